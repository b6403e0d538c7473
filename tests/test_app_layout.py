"""The app's code shows its floors in its folders (docs/app.md, "How the app's code is laid out").

Every ``labapp/**/*.py`` is parsed with ``ast`` (nothing is imported) and its imports are
resolved to absolute module names. The checks:

- only modules inside the one Streamlit package, ``labapp.ui``, import ``streamlit``;
- the packages are floors: ``server`` < ``settings`` < ``data`` < ``compute`` < ``views`` <
  ``ui``, and a module imports only from its own floor or those below it (so nothing below
  ``ui`` imports ``labapp.ui``); every module lives in one of them;
- nothing in ``labapp`` imports the pages or the entry point, and ``nncore`` imports nothing
  from ``labapp``;
- the pages and the entry point import only ``labapp``, ``streamlit`` and the standard library;
- no ``labapp`` module or package has the basename of one in ``nncore`` (or of one ``nncore``
  is about to gain), so ``splits`` or ``presets`` always means one thing.

Each check is a function returning its violations, one sentence naming the module each; the
``*_can_fail`` tests feed them made-up modules that break the rule.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI = "labapp.ui"
#: The packages of ``labapp``, lowest floor first: each may import only itself and those before.
FLOORS = ("labapp.server", "labapp.settings", "labapp.data", "labapp.compute", "labapp.views",
          UI)
ENTRY_POINTS = ("streamlit_app", "pages")
#: Modules ``nncore`` is about to gain (other work in progress): no labapp module takes them.
PLANNED_NNCORE = ("sweep_work", "executors", "sweep_results", "compare", "epoch_loop", "masks")


def module_name(path: Path, root: Path = ROOT) -> str:
    """``labapp/compute/runs.py`` → ``labapp.compute.runs``; a package's ``__init__.py`` is the
    package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported(module: str, source: str, package: bool = False) -> list[str]:
    """Every module ``source`` imports, as absolute names (relative imports resolved against
    ``module``; ``from x import y`` gives ``x`` and ``x.y``, since ``y`` may be a module)."""
    base = module.split(".") if package else module.split(".")[:-1]
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            anchor = base[:len(base) - node.level + 1] if node.level else []
            start = ".".join(anchor + ([node.module] if node.module else []))
            names += [start] + [f"{start}.{alias.name}" for alias in node.names]
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def floor_of(module: str) -> int | None:
    """The index in :data:`FLOORS` of the package holding ``module``; None for none."""
    return next((i for i, floor in enumerate(FLOORS) if _within(module, floor)), None)


# -- the checks: (module, its imports) → violations ----------------------------------------------

def streamlit_outside_ui(module: str, names: list[str]) -> list[str]:
    if _within(module, UI):
        return []
    return [f"{module} imports {name}, but only {UI} may use Streamlit"
            for name in names if _within(name, "streamlit")]


def floor_breaches(module: str, names: list[str]) -> list[str]:
    """Imports of a higher floor, of the pages, or of a labapp module outside every floor."""
    own = floor_of(module)
    found = []
    if module != "labapp" and own is None:
        found.append(f"{module} is in none of the packages {', '.join(FLOORS)}")
    for name in names:
        if any(_within(name, entry) for entry in ENTRY_POINTS):
            found.append(f"{module} imports {name}: labapp never imports the pages")
        elif _within(name, "labapp") and name != "labapp":
            theirs = floor_of(name)
            if own is None or theirs is None or theirs > own:
                found.append(f"{module} imports {name}, a floor above its own")
    return found


def labapp_in_nncore(module: str, names: list[str]) -> list[str]:
    return [f"{module} imports {name}: nncore never imports the app"
            for name in names if _within(name, "labapp")]


def page_imports(module: str, names: list[str]) -> list[str]:
    """A page may import ``labapp``, ``streamlit`` and the standard library, nothing else."""
    allowed = ("labapp", "streamlit")
    return [f"{module} imports {name}: a page imports only labapp, streamlit and the standard "
            "library" for name in names
            if not any(_within(name, top) for top in allowed)
            and name.split(".")[0] not in sys.stdlib_module_names]


def basename_clashes(labapp_names: dict[str, str], nncore_names: set[str]) -> list[str]:
    """``labapp_names`` maps each labapp module or package to its basename."""
    taken = nncore_names | set(PLANNED_NNCORE)
    return [f"{module} shares the basename {base!r} with a module of nncore"
            for module, base in sorted(labapp_names.items()) if base in taken]


# -- the code as it is ------------------------------------------------------------------------

def _sources(folder: str) -> list[tuple[str, str, bool]]:
    """``(module, source, is a package)`` of every ``.py`` file under ``folder``."""
    paths = sorted((ROOT / folder).rglob("*.py"))
    assert paths, f"no Python files under {folder}"
    return [(module_name(p), p.read_text(encoding="utf-8"), is_package(p)) for p in paths]


def _imports_of(folder: str) -> list[tuple[str, list[str]]]:
    return [(module, imported(module, source, package))
            for module, source, package in _sources(folder)]


def _basenames(folder: str) -> dict[str, str]:
    """Every module and package under ``folder`` (but the folder itself) → its basename."""
    names = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        target = path.parent if is_package(path) else path.with_suffix("")
        if target != ROOT / folder:
            names[module_name(path)] = target.name
    return names


def _all(check, found: list[tuple[str, list[str]]]) -> list[str]:
    return [problem for module, names in found for problem in check(module, names)]


def test_only_the_ui_package_imports_streamlit():
    found = _imports_of("labapp")
    assert _all(streamlit_outside_ui, found) == []
    assert any(_within(m, UI) and any(_within(n, "streamlit") for n in names)
               for m, names in found), "the ui package uses Streamlit"


def test_every_module_imports_only_its_own_floor_and_those_below():
    assert _all(floor_breaches, _imports_of("labapp")) == []


def test_nncore_imports_nothing_from_the_app():
    assert _all(labapp_in_nncore, _imports_of("nncore")) == []


def test_pages_import_only_labapp_streamlit_and_the_standard_library():
    pages = [(f"pages.{p.stem}", p) for p in sorted((ROOT / "pages").glob("*.py"))]
    found = [(name, imported(name, p.read_text(encoding="utf-8")))
             for name, p in [("streamlit_app", ROOT / "streamlit_app.py"), *pages]]
    assert len(found) == 5
    assert _all(page_imports, found) == []


def test_no_labapp_module_has_the_basename_of_an_nncore_module():
    nncore_names = set(_basenames("nncore").values())
    assert {"splits", "presets", "sweeps"} <= nncore_names
    assert basename_clashes(_basenames("labapp"), nncore_names) == []


# -- each check can fail ----------------------------------------------------------------------

@pytest.mark.parametrize("module, source", [
    ("labapp.compute.sample", "import streamlit as st"),
    ("labapp.views.sample", "from streamlit.logger import get_logger"),
    ("labapp.data.sample", "import streamlit.components.v1 as components"),
    ("labapp.sample", "def f():\n    from streamlit import cache_data\n"),
])
def test_streamlit_outside_the_ui_package_is_found(module, source):
    problems = streamlit_outside_ui(module, imported(module, source))
    assert problems and module in problems[0]
    assert streamlit_outside_ui("labapp.ui.sample", imported("labapp.ui.sample", source)) == []


@pytest.mark.parametrize("module, source, package", [
    ("labapp.compute.sample", "from ..ui import services", False),
    ("labapp.compute.sample", "from ..ui.session import holder", False),
    ("labapp.settings.sample", "from labapp.data.lab_table import Table", False),
    ("labapp.server", "from ..settings import kinds", True),
    ("labapp.views.sample", "import streamlit_app", False),
    ("labapp.compute.sample", "from pages import helpers", False),
    ("labapp.stray", "import numpy", False),
])
def test_a_breach_of_the_floors_is_found(module, source, package):
    problems = floor_breaches(module, imported(module, source, package))
    assert problems and module in problems[0]


def test_imports_within_and_below_a_floor_pass():
    source = "from ..server.limits import MAX_EPOCHS\nfrom . import tasks\nimport numpy as np\n"
    assert floor_breaches("labapp.compute.sample",
                          imported("labapp.compute.sample", source)) == []


def test_labapp_imported_by_nncore_is_found():
    problems = labapp_in_nncore("nncore.sample", imported("nncore.sample",
                                                          "from labapp.data import Dataset"))
    assert problems and "nncore.sample" in problems[0]


def test_a_page_importing_the_engine_is_found():
    problems = page_imports("pages.2_Train", imported("pages.2_Train", "import nncore\n"
                                                      "from functools import partial"))
    assert len(problems) == 1 and "pages.2_Train" in problems[0]


def test_a_clashing_basename_is_found():
    problems = basename_clashes({"labapp.compute.splits": "splits",
                                 "labapp.compute.masks": "masks",
                                 "labapp.compute.run_plan": "run_plan"}, {"splits"})
    assert [p.split()[0] for p in problems] == ["labapp.compute.masks", "labapp.compute.splits"]
