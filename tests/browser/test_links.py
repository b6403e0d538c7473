"""A shared link, opened as the very first request to a freshly started server, reproduces what
the student who made it saw (Community Cloud restarts apps; links must survive that)."""
from __future__ import annotations

from .harness import Server, new_lab

SETTINGS = ("data=moons&hidden=6&act=relu&opt=momentum&lr=0.1&epochs=40&batch=16&dropout=0.1"
            "&seed=7")
LINK_CAPTION = "Copy this link to share exactly these settings and their result"


def shared_link(lab) -> str:
    """The link in the page's share box (the one that trains when opened)."""
    box = lab.page.locator('[data-testid="stCaptionContainer"]').filter(has_text=LINK_CAPTION)
    assert box.count() == 1, "the trained page offers a link with its result"
    code = lab.page.locator('[data-testid="stCode"]').filter(has_text="run=1")
    return code.first.inner_text().strip()


def test_a_shared_link_reproduces_the_metrics_on_a_freshly_started_server(browser):
    first = Server().start()
    try:
        author = new_lab(browser, first.url).open("Train", SETTINGS)
        made = author.press("Train").metrics()
        link = shared_link(author)
        author.page.context.close()
    finally:
        first.stop()
    assert len(made) == 4 and "—" not in made.values(), made
    assert link.startswith(f"{first.url}/Train?") and "seed=7" in link

    second = Server(port=first.port).start()          # a new process: empty caches, no sessions
    try:
        reader = new_lab(browser, second.url)
        reader.page.goto(link)
        reader.page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
        reader.settled()
        assert reader.exceptions() == []
        assert reader.metrics() == made
        assert not reader.alerts("warning"), "a link the app made needs no adjusting"
        reader.page.context.close()
    finally:
        second.stop()
