"""Every setting the app has, and its link: the kinds of values with their URL form and range
(:mod:`.kinds`), the dataset names (:mod:`.dataset_names`), the settings of each page as frozen
dataclasses (:mod:`.page_settings`), teacher mode (:mod:`.teacher`), the URL codec
(:mod:`.url_state`), the query params of a shared link (:mod:`.share_links`) and the seed
presets as settings (:mod:`.seed_presets`).

Free of Streamlit; imports only :mod:`labapp.server` of ``labapp``.
"""
