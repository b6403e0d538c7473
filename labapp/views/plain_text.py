"""Text from links, uploads and files, made safe for Streamlit's Markdown.

Streamlit draws alerts, captions, titles, headers, Markdown, metric labels and values, widget
labels and ``help`` texts as GitHub-flavoured Markdown with extensions: LaTeX between ``$``,
``:red[…]`` directives, ``:material/…:`` icons, ``:emoji:`` shortcodes and links made of bare
addresses. A value that came from a link, an uploaded file or a message about one must show the
characters it holds, so :func:`plain`

- backslash-escapes every ASCII punctuation character (CommonMark: an escaped ASCII punctuation
  character is always literal). That stops emphasis, code, links, images, HTML, entities,
  tables, ``$…$`` and directives;
- puts an invisible word joiner (U+2060) after every colon and at-sign and between ``www`` and
  its dot, because Streamlit finds shortcodes (``:smile:``, ``:material/home:``) and bare
  addresses (``http://…``, ``www.…``, ``name@host.org``) in the text once the escapes are gone;
- turns every run of whitespace, line breaks included, into one space, so no value can start a
  heading, a list, a quote or a code block (a browser shows a run of spaces as one anyway).

The policy: modules that build messages (the URL codec, the loader, the notes about data) write
plain text, never Markdown; the page code passes such text through :func:`plain` at the
Streamlit call that shows it.
"""
from __future__ import annotations

import re
import string

__all__ = ["plain", "WORD_JOINER"]

WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
#: Where a word joiner goes in escaped text: after a colon or an at-sign, and after ``www``
#: before its (escaped) dot.
_JOINED = re.compile(r"(?<=[:@])|(?i:(?<=www)(?=\\\.))")


def plain(text) -> str:
    r"""``text`` (anything, shown as ``str``) escaped so that Markdown shows it as it is.

    >>> print(plain("**bold** [a link](x)\n# $a$"))
    \*\*bold\*\* \[a link\]\(x\) \# \$a\$
    """
    folded = " ".join(str(text).split())
    escaped = _PUNCTUATION.sub(lambda found: "\\" + found.group(), folded)
    return _JOINED.sub(WORD_JOINER, escaped)
