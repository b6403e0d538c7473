"""Bad input through the real UI: malformed CSV files, tampered links and extreme settings. Each
gets a plain message (never a traceback), and the same tab keeps working afterwards."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from .test_pages import assert_healthy, choose, upload

BAD_FILES = {
    "empty.csv": b"",
    "header-only.csv": b"a,b,c\n",
    "binary.csv": b"PK\x03\x04\x14\x00binary\x00\x00\xff\xfe",
    "ragged.csv": b"a,b\n1,2,3\n4,5\n6,7\n",
    "one-column.csv": b"a\n1\n2\n3\n4\n",
    "too-many-rows.csv": b"a,b\n" + b"1,2\n" * 200_001,
}


def test_malformed_csv_files_get_a_plain_message_and_the_tab_keeps_working(lab):
    lab.open("Data")
    for name, content in BAD_FILES.items():
        upload(lab, name, content)
        assert lab.exceptions() == [], name
        errors = lab.alerts("error")
        assert len(errors) == 1 and errors[0].strip().endswith("."), (name, errors)
        assert "Traceback" not in errors[0]
    choose(lab, "Dataset", "iris (table)")
    assert_healthy(lab)
    assert lab.metrics()["Rows N"] == "150"


TAMPERED = {
    "huge numbers": ("epochs=1e400&hidden=99999,99999&lr=1e308&seed=10e50",
                     ["number of epochs", "learning rate"]),
    "negative epochs": ("epochs=-5", ["number of epochs -5 is below"]),
    "unknown dataset": ("data=imagenet", ["no dataset called 'imagenet'"]),
    "strings for numbers": ("epochs=many&lr=fast&test=half&seed=twelve",
                            ["epochs", "learning rate", "seed"]),
    "10 kB values": ("hidden=" + "8," * 5_000 + "&act=" + "x" * 10_000, ["too long"]),
}


@pytest.mark.parametrize("query, fragments", TAMPERED.values(), ids=list(TAMPERED))
def test_a_tampered_link_gets_a_visible_note_and_the_tab_still_trains(lab, query, fragments):
    lab.open("Train", query)
    assert lab.exceptions() == []
    notes = "\n".join(lab.alerts("warning"))
    assert "Some settings were adjusted" in notes
    for fragment in fragments:
        assert fragment in notes, (fragment, notes)
    lab.press("Train")                      # the same session, with the adjusted settings
    assert_healthy(lab)
    assert len(lab.metrics()) == 4


@pytest.mark.parametrize("page, query, fragment", [
    ("Sweep", "sw_seeds=999&sw_lr=abc&sw_epochs=-1&sw_axes=nonsense", "adjusted"),
    ("Splits", "sp_epochs=1e9&sp_k=-3&sp_data=nowhere", "adjusted"),
    ("Data", "data=../../etc/passwd&n=-1&noise=nan", "adjusted"),
])
def test_tampered_links_to_the_other_pages_are_adjusted_with_a_note(lab, page, query, fragment):
    lab.open(page, query)
    assert_healthy(lab)
    assert any(fragment in note for note in lab.alerts("warning")), lab.alerts("warning")


def test_a_learning_rate_of_10_diverges_with_an_explanation_and_the_tab_recovers(lab):
    lab.open("Train", "data=boston&opt=sgd&lr=10&scale_target=0&epochs=50")
    lab.press("Train")
    assert_healthy(lab)
    message = " ".join(lab.alerts("error"))
    assert "diverged" in message and "learning rate" in message
    assert "R² during training" in lab.headings(), "the epochs before it blew up are drawn"
    lab.open("Train", "data=boston&opt=sgd&lr=0.01&epochs=50")
    lab.press("Train")
    assert not lab.alerts("error") and len(lab.metrics()) == 4


def test_zero_epochs_is_raised_to_one_with_a_note(lab):
    lab.open("Train", "epochs=0")
    assert "below the smallest allowed, 1" in " ".join(lab.alerts("warning"))
    lab.press("Train")
    assert_healthy(lab)
    assert any("Trained for 1 epoch" in s for s in lab.alerts("success"))


def test_ten_layers_of_width_one_train_and_say_why_nothing_was_learned(lab):
    lab.open("Train", "hidden=" + ",".join(["1"] * 10) + "&act=" + ",".join(["relu"] * 10)
             + "&epochs=50")
    lab.press("Train")
    assert_healthy(lab)
    warning = " ".join(lab.alerts("warning"))
    assert "learned almost nothing" in warning and "single unit" in warning
    assert len(lab.metrics()) == 4


def test_a_sweep_beyond_the_servers_budget_is_refused_in_plain_words(lab):
    huge = ("sw_axes=lr,width,dropout&sw_lr=0.001,0.003,0.01,0.03,0.1,0.3,1,3"
            "&sw_width=8,16,24,32,40,48,56,64&sw_dropout=0,0.1,0.2,0.3,0.4,0.5,0.6,0.7"
            "&sw_seeds=10&sw_epochs=2000&sw_n=1000")
    lab.open("Sweep", huge)
    assert_healthy(lab)
    assert any("too large for a shared server" in e for e in lab.alerts("error"))
    assert lab.button("Run the sweep").is_disabled()


#: Link values and file contents that would be links, images, LaTeX, HTML, colour, bold text,
#: an icon, a heading or bare addresses made links if they were drawn as Markdown.
HOSTILE = ["![x](http://127.0.0.1:9/x.png)", "[Log in](http://127.0.0.1:9)", "$\\rule{9cm}{9cm}$",
           "<img src=x>", ":red[big]", "**bold**", ":material/home:", "a\n# Heading",
           "www.example.com me@example.org"]


def assert_no_markup(lab) -> None:
    """No hostile value became markup in the page's main area."""
    main = lab.page.locator('[data-testid="stMain"]')
    for selector in ('img[src*="127.0.0.1"]', 'img[src="x"]', 'a[href*="127.0.0.1"]',
                     'a[href*="example"]', ".katex", ".stMarkdownColoredText",
                     '[aria-label="home icon"]'):
        assert main.locator(selector).count() == 0, selector
    assert main.locator("strong", has_text="bold").count() == 0
    assert "Heading" not in [h.strip() for h in main.locator("h1, h2, h3").all_inner_texts()]


def assert_reads(lab, values) -> None:
    """Each of ``values`` reads in the main area exactly as typed."""
    text = lab.page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
    for value in values:
        assert value in text, value


def test_hostile_link_values_and_file_contents_are_drawn_as_text(lab):
    names = quote(",".join(HOSTILE[:4])), quote(",".join(HOSTILE[4:]))
    lab.open("Data", f"hide={names[0]}&lock={names[1]}")
    assert_healthy(lab)
    assert_no_markup(lab)
    assert_reads(lab, [" ".join(value.split()) for value in HOSTILE])   # a line break: a space
    # A number column, a constant one, two text columns and the target, all named with them.
    header = [HOSTILE[0], HOSTILE[2], HOSTILE[3], HOSTILE[7], HOSTILE[1]]
    rows = [[str(i), "7", "uv"[i % 2], "pqr"[i % 3], HOSTILE[4 + i % 2]] for i in range(30)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    upload(lab, "hostile.csv", buffer.getvalue().encode())
    assert_healthy(lab)
    assert lab.metrics()["Classes"] == "2"
    assert_no_markup(lab)
    assert_reads(lab, [repr(HOSTILE[k]) for k in (1, 2, 3, 7)])   # the notes quote the names
