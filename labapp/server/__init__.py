"""The shared server's floor: the caps every value is held to (:mod:`.limits`) and the memory
that running work reserves and students' files hold (:mod:`.memory`).

Free of Streamlit; imports nothing else of ``labapp``.
"""
