"""The app's only Streamlit code: the cached services (:mod:`.services`), the session's settings
and uploads (:mod:`.session`), widgets that honour teacher mode (:mod:`.widgets`), the controls
that turn widgets into settings (:mod:`.controls`, :mod:`.experiment_controls`), what every page
shares (:mod:`.frame`, :mod:`.panels`) and the live progress with its clean stop
(:mod:`.live_progress`). Pages import from here and from the packages below.
"""
