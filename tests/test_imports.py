"""Importing nncore, and every module inside it, loads nothing outside NumPy and the standard
library. Checked in a fresh interpreter, so other tests' imports cannot hide a dependency."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import importlib, json, os, pkgutil, sys, sysconfig

before = set(sys.modules)
import nncore
names = ["nncore"] + [m.name for m in pkgutil.walk_packages(nncore.__path__, "nncore.")]
for name in names:
    importlib.import_module(name)
loaded = set(sys.modules) - before

stdlib_dirs = tuple(os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib"))

def allowed(top):
    if top in ("nncore", "numpy") or top in sys.stdlib_module_names:
        return True
    if top == "__mp_main__":        # multiprocessing's alias of __main__, not a new module
        return sys.modules[top] is sys.modules["__main__"]
    if top.startswith("_"):         # private C modules of the standard library
        path = getattr(sys.modules.get(top), "__file__", None)
        return path is None or os.path.realpath(path).startswith(stdlib_dirs)
    return False

tops = sorted({name.split(".")[0] for name in loaded})
print(json.dumps({"modules": names, "tops": tops,
                  "outside": [t for t in tops if not allowed(t)]}))
"""


def test_nncore_imports_only_numpy_and_the_standard_library():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    report = json.loads(done.stdout)
    assert report["outside"] == [], report["outside"]
    assert "numpy" in report["tops"] and "nncore" in report["tops"]
    expected = {"nncore.network", "nncore.training", "nncore.estimators", "nncore.serialization",
                "nncore.presets", "nncore.gradcheck", "nncore.optimizers", "nncore.losses"}
    assert expected <= set(report["modules"])
    for heavy in ("sklearn", "torch", "scipy", "pandas"):
        assert heavy not in report["tops"]


#: What every page imports before it draws (the home page's modules and the shared ones).
PAGE_PROBE = """
import sys
import labapp.ui.frame, labapp.ui.panels, labapp.ui.services, labapp.ui.session
print("sklearn" in sys.modules)
"""


def test_a_page_opens_without_importing_scikit_learn():
    """scikit-learn takes most of a second to import; only its bundled tables need it, so it is
    imported when one of them is loaded, not by every page of a server waking from sleep."""
    done = subprocess.run([sys.executable, "-c", PAGE_PROBE], capture_output=True, text=True,
                          check=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip().splitlines()[-1] == "False"
