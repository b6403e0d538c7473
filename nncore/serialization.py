"""Saving and loading a network: its settings as JSON and its weights as ``.npz`` arrays.

One ``.npz`` file holds both: the arrays ``W1, b1, W2, …`` (1-based, as in the seed post) and a
string array ``config`` with the JSON of :meth:`MLP.config`, plus an optional ``train_config``.
Float64 arrays are stored bit for bit, so a round trip reproduces the network exactly.
"""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from .network import MLP

__all__ = ["save", "load", "to_bytes", "from_bytes"]


def to_bytes(net: MLP, train_config=None) -> bytes:
    """The network as the bytes of an ``.npz`` file (for downloads)."""
    arrays = {"config": np.array(json.dumps(net.config()))}
    if train_config is not None:
        arrays["train_config"] = np.array(json.dumps(train_config.to_dict()))
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float64)
        if b is not None:
            arrays[f"b{l}"] = np.asarray(b, dtype=np.float64)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def from_bytes(data: bytes) -> MLP:
    """Rebuild a network from :func:`to_bytes` output; ``ValueError`` if the file is not one."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            config = json.loads(str(arrays["config"]))
            net = MLP(**config)
            weights = [arrays[f"W{l}"] for l in range(1, net.arch.n_layers + 1)]
            biases = [arrays[f"b{l}"] if has else None
                      for l, has in enumerate(net.arch.bias, start=1)]
    except (OSError, EOFError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"This is not a saved nncore network ({error}).") from None
    net.set_parameters(weights, biases)
    return net


def save(net: MLP, path, train_config=None) -> None:
    """Write the network to ``path`` (an ``.npz`` file)."""
    with open(path, "wb") as f:
        f.write(to_bytes(net, train_config))


def load(path) -> MLP:
    """Read a network written by :func:`save`."""
    with open(path, "rb") as f:
        return from_bytes(f.read())
