"""nncore imports NumPy and the standard library only."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
before = set(sys.modules)
import nncore, nncore.sweeps, nncore.stacked, nncore.presets, nncore.gradcheck
import nncore.synthetic, nncore.preprocessing, nncore.splits, nncore.datasets
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_importing_nncore_loads_only_numpy_and_the_standard_library():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    allowed = set(sys.stdlib_module_names) | {"nncore", "numpy"}
    foreign = {name for name in loaded if name not in allowed and not name.startswith("_")}
    assert "numpy" in loaded and "nncore" in loaded
    assert not foreign, f"nncore pulled in {sorted(foreign)}"
