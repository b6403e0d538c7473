"""Deploy readiness: a fresh virtual environment with only ``requirements.txt`` runs every page.

Streamlit Community Cloud installs ``requirements.txt`` and nothing else. This module does the
same: it creates a new virtual environment (``python -m venv``), installs ``requirements.txt``
with pip, and then, with that environment's Python (isolated mode, so nothing of the test
environment leaks in), opens every page with AppTest and presses Train once. The tests then
check that every page ran without an exception, that training shows its metrics, that the
installed versions are exactly the pins, and that the tools only the tests use (PyTorch, Dask,
pytest, Hypothesis) are absent, so the app cannot depend on them by accident.

The environment is built once for the module and takes about 40 s to 2 min here (pip reads the
machine's package indexes; its download cache makes later runs quicker). If pip cannot install
the requirements (no index reachable, say) the tests fail and show pip's output: they never
skip. To leave them out while iterating: ``python3 -m pytest --ignore tests/test_deploy.py``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
PAGES = ("streamlit_app.py", "pages/1_Data.py", "pages/2_Train.py", "pages/3_Sweep.py",
         "pages/4_Splits.py")
#: Installed for the tests and benchmarks only (requirements-dev.txt); the app must not need them.
TEST_ONLY = ("torch", "dask", "pytest", "hypothesis")
INSTALL_TIMEOUT_S = 900
CHECK_TIMEOUT_S = 600
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)$")

#: Run by the fresh environment's Python with the project root and the pinned names as
#: arguments; prints one JSON line (after the marker) with everything the tests check.
CHECK_SCRIPT = r'''
import importlib.util, json, sys
from importlib.metadata import PackageNotFoundError, version

root, names = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
from streamlit.testing.v1 import AppTest

ENTRY = root + "/streamlit_app.py"
PAGES = %(pages)r


def opened(page, params=None):
    at = AppTest.from_file(ENTRY, default_timeout=180)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page != "streamlit_app.py":
        at.switch_page(page)
    return at.run()


def seen(at):
    return {"exceptions": [str(e.value) for e in at.exception],
            "titles": [t.value for t in at.title],
            "errors": [e.value for e in at.error],
            "metrics": {m.label: m.value for m in at.metric}}


def installed(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


report = {"python": sys.prefix,
          "versions": {name: installed(name) for name in names},
          "importable": {name: importlib.util.find_spec(name) is not None
                         for name in %(test_only)r},
          "pages": {page: seen(opened(page)) for page in PAGES}}
at = opened("pages/2_Train.py", {"epochs": "30"})
next(b for b in at.button if b.label == "Train").click().run()
report["trained"] = seen(at)
print("REPORT " + json.dumps(report))
''' % {"pages": PAGES, "test_only": TEST_ONLY}


def pins() -> dict[str, str]:
    """``{package: version}`` from ``requirements.txt``; every requirement must be pinned."""
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"requirements.txt must pin every package exactly (name==version): {line!r}"
        found[match[1]] = match[2]
    return found


def isolated_env() -> dict[str, str]:
    """The environment for the fresh venv's processes, without this interpreter's paths."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def run(command: list[str], timeout: int, what: str) -> str:
    """Run ``command``; fail the test with its output when it fails or takes too long."""
    try:
        done = subprocess.run(command, cwd=ROOT, env=isolated_env(), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} took more than {timeout} s")
    if done.returncode != 0:
        output = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        pytest.fail(f"{what} failed (exit status {done.returncode}):\n{output}")
    return done.stdout


def make_venv(where: Path) -> Path:
    """A new virtual environment with ``requirements.txt`` installed; its Python."""
    run([sys.executable, "-m", "venv", str(where)], 300, "creating a virtual environment")
    python = where / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--no-input", "--no-compile",
         "--disable-pip-version-check", "-r", str(REQUIREMENTS)], INSTALL_TIMEOUT_S,
        "pip install -r requirements.txt in a fresh virtual environment (is a package index "
        "reachable?)")
    return python


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> dict:
    """What the fresh environment saw: versions, importable tools, each page, a training run."""
    where = tmp_path_factory.mktemp("deploy")
    python = make_venv(where / "venv")
    script = where / "check_pages.py"
    script.write_text(CHECK_SCRIPT)
    out = run([str(python), "-I", str(script), str(ROOT), *pins()], CHECK_TIMEOUT_S,
              "running the pages in the fresh environment")
    line = next((row for row in out.splitlines() if row.startswith("REPORT ")), None)
    assert line, f"the page check printed no report:\n{out[-4000:]}"
    report = json.loads(line.removeprefix("REPORT "))
    report["venv"] = str(where / "venv")
    return report


def assert_page_ran(seen: dict, page: str) -> None:
    """The page ran to the end: no exception box and a title drawn."""
    assert seen["exceptions"] == [], f"{page} raised: {seen['exceptions']}"
    assert seen["titles"], f"{page} drew no title"


def test_requirements_pin_every_package_the_app_imports():
    pinned = pins()
    for package in ("numpy", "pandas", "scikit-learn", "streamlit", "altair"):
        assert package in pinned, f"requirements.txt does not pin {package}"
    assert not set(pinned) & set(TEST_ONLY), "test-only tools belong in requirements-dev.txt"


def test_the_fresh_environment_is_a_new_venv_not_this_one(deployed):
    assert Path(deployed["python"]).resolve() == Path(deployed["venv"]).resolve()
    assert Path(deployed["python"]).resolve() != Path(sys.prefix).resolve()


def test_the_fresh_environment_has_exactly_the_pinned_versions(deployed):
    assert deployed["versions"] == pins()


def test_the_test_only_tools_are_not_installed(deployed):
    present = [name for name, importable in deployed["importable"].items() if importable]
    assert present == [], f"requirements.txt pulls in {present}"
    assert sorted(deployed["importable"]) == sorted(TEST_ONLY)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_the_fresh_environment(deployed, page):
    assert_page_ran(deployed["pages"][page], page)


def test_training_shows_its_metrics_in_the_fresh_environment(deployed):
    trained = deployed["trained"]
    assert_page_ran(trained, "the Train page after Train")
    assert trained["errors"] == []
    assert list(trained["metrics"]) == ["Training loss", "Test loss", "Training accuracy",
                                        "Test accuracy"]
    assert all(re.fullmatch(r"\d+(\.\d+)?(e-?\d+)?", value)
               for value in trained["metrics"].values()), trained["metrics"]
