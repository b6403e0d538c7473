"""Weight initialisers, one small function each, in a lookup table.

``INITIALIZERS[name](rng, fan_in, fan_out)`` returns ``(W, b)``: ``W`` is ``(fan_in, fan_out)`` and
``b`` is ``(fan_out,)``. A network draws its layers in order, each ``W`` before its ``b``, from
one ``np.random.default_rng(seed)``, so the same seed always gives the same weights. A layer
without bias simply discards ``b`` (it is drawn all the same, so switching a bias off does not
change the other layers' weights).

=================  ==================================  ==========================
name               W                                   b
=================  ==================================  ==========================
``uniform_pm1``    U(−1, 1) (seed post 001)            U(−1, 1)
``uniform01``      U[0, 1) (seed post 003)             U[0, 1)
``glorot``         U(−a, a), a = √(6/(fan_in+fan_out))  0
``he``             N(0, 2/fan_in)                      0
``normal``         N(0, 0.1²) (seed post 002)          N(0, 0.1²)
=================  ==================================  ==========================
"""
from __future__ import annotations

import numpy as np

__all__ = ["INITIALIZERS"]


def uniform_pm1(rng, fan_in, fan_out):
    return 2.0 * rng.random((fan_in, fan_out)) - 1.0, 2.0 * rng.random(fan_out) - 1.0


def uniform01(rng, fan_in, fan_out):
    return rng.random((fan_in, fan_out)), rng.random(fan_out)


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)), np.zeros(fan_out)


def he(rng, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)


def normal(rng, fan_in, fan_out):
    return rng.normal(0.0, 0.1, (fan_in, fan_out)), rng.normal(0.0, 0.1, fan_out)


INITIALIZERS = {"uniform_pm1": uniform_pm1, "uniform01": uniform01, "glorot": glorot,
                "he": he, "normal": normal}
