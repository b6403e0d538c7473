"""Backprop Lab's home page and the app's entry point: ``streamlit run streamlit_app.py``.

The other pages live in ``pages/`` (Streamlit's classic multipage mechanism: no
``st.navigation``, so a link to any page works as the very first request to a fresh server).
"""
import streamlit as st

from labapp.settings.seed_presets import preset_state
from labapp.settings.url_state import encode
from labapp.ui import frame, panels, services, session
from labapp.views.plain_text import plain

TRAIN_PAGE = "pages/2_Train.py"

state = frame.open_page("Home")
frame.show_notes()

st.title("Backprop Lab")
st.markdown(
    "A neural network written from scratch in NumPy, to watch how one learns. Every number you "
    "see is computed by the lab's own engine: the forward pass, the loss, the backward pass "
    "(backpropagation) and the gradient-descent step, with nothing hidden in a framework.\n\n"
    "- **Data**: choose a dataset or upload a CSV file, and see how scaling changes it.\n"
    "- **Train**: build a network, train it, and look inside: loss curves, weights, gradients, "
    "the decision boundary, and a gradient check.\n\n"
    "Every setting lives in the page's address, so a copied link opens the same data, the same "
    "initial weights and the same result.")

st.header("A network, layer by layer")
st.markdown(
    "Rows are samples. A batch of N rows enters as a matrix X₀ of shape (N, D); each layer "
    "multiplies by its weight matrix W of shape (inputs, units), adds its bias and applies its "
    "activation. Backpropagation then runs the chain rule backwards: δ, the loss's gradient "
    "with respect to a layer's pre-activation Z, flows from the output to the input, and each "
    "weight's gradient has exactly that weight's shape. Here is the current network:")
upload = session.upload_for(state.data)
try:
    plan = services.plan(state.data, state.train, upload=upload)
except ValueError as problem:
    st.info(f"The current data cannot be shown here: {plain(problem)}")
else:
    panels.equations_panel(plan, services.prepared(state.data, upload=upload), 8)

st.header("The seed networks")
st.markdown("The networks of the blog posts this lab grew from, exactly as each post builds "
            "them. One click opens the Train page set up for it; press Train there.")
for card in services.presets():
    with st.container(border=True):
        st.subheader(card.title)
        st.write(card.description)
        for note in card.notes:
            st.caption(note)
        if st.button("Open on the Train page", key=f"preset.{card.key}",
                     icon=":material/play_arrow:"):
            chosen = preset_state(card.key)
            session.adopt(chosen)
            st.switch_page(TRAIN_PAGE, query_params=encode(chosen))
