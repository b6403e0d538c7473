"""Backprop Lab's app side: code that may use pandas and scikit-learn, kept free of Streamlit."""
