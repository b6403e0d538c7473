"""How results look, free of Streamlit: Altair chart specs (:mod:`.charts`,
:mod:`.sweep_charts`, :mod:`.split_charts`), the Train page's live pictures drawn as PNG with NumPy and Pillow
(:mod:`.network_picture`, :mod:`.data_plot`, sharing :mod:`.picture_kit`) and text made safe
for Streamlit's Markdown (:mod:`.plain_text`).
"""
