"""A run stops when its student leaves: closing the tab ends the session, and the run with it,
instead of holding a core until the run's end."""
from __future__ import annotations

import re
import time

from .harness import new_lab

#: A run the caps allow that takes several seconds: the plan cuts its epochs to the run's time.
LONG_RUN = "data=spiral&n=2000&hidden=64,64&act=relu,relu&batch=8&epochs=5000&seed=3"
STOPPED = re.compile(r"A run stopped after epoch (\d+) of (\d+)")


def test_closing_the_tab_stops_its_run(browser, server):
    before = len(STOPPED.findall(server.output()))
    lab = new_lab(browser, server.url).open("Train", LONG_RUN)
    lab.button("Train").click()
    lab.page.locator('[data-testid="stProgress"]').first.wait_for(timeout=120_000)
    lab.page.context.close()                            # the student closes the tab mid-run
    stops = []
    for _ in range(100):                                # up to 10 s for the server to notice
        stops = STOPPED.findall(server.output())[before:]
        if stops:
            break
        time.sleep(0.1)
    assert stops, f"the run went on after its tab closed:\n{server.output()[-2000:]}"
    done, planned = map(int, stops[-1])
    assert done < planned, "it stopped before its last epoch"


UPLOAD = b"size,weight,price\n" + b"".join(
    f"{i % 7 + 1},{(i * 3) % 5},{10 + i % 9}\n".encode() for i in range(200))
EMPTIED = re.compile(r"Emptied the uploads and results of (\d+) sessions gone")


def test_a_closed_tab_gives_its_upload_back(browser, server, tmp_path):
    """The server empties a gone session's upload about 30 s after its tab closes, even when
    no other student comes by (Streamlit itself forgets it only when another tab closes)."""
    path = tmp_path / "prices.csv"
    path.write_bytes(UPLOAD)
    before = len(EMPTIED.findall(server.output()))
    lab = new_lab(browser, server.url).open("Data")
    lab.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    lab.page.get_by_role("option", name="your own CSV file").click()
    lab.settled()
    lab.page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(path)
    lab.settled()
    assert "Rows N" in lab.text(), "the upload was read"
    lab.page.context.close()
    emptied = []
    for _ in range(90):                                 # the grace is 30 s, checked every 10 s
        emptied = EMPTIED.findall(server.output())[before:]
        if emptied:
            break
        time.sleep(1)
    assert emptied and int(emptied[-1]) >= 1, "the gone session's upload was not given back"
