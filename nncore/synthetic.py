"""Two-dimensional synthetic datasets in the spirit of TensorFlow Playground, in pure NumPy.

Every generator takes a sample count, a noise level and a seed, and returns ``(X, y)``:

- ``X`` is ``(N, 2)`` float64: the two input coordinates ``x1`` and ``x2``;
- ``y`` is ``(N,)``: int64 class labels ``0 .. C-1`` for classification sets, float64 values for
  regression sets.

``noise`` is a standard deviation. Classification sets add Gaussian noise of that size to each
coordinate, so classes overlap more as it grows; regression sets add it to the target. The clean
shapes fit in about ``[-1, 1]`` on each axis (the moons span ``[-1, 2] x [-0.5, 1]``, as in
scikit-learn). Rows come out in shuffled order, and class sizes differ by at most one.

Each call draws from its own ``np.random.default_rng(seed)``: the same arguments give the same
data, and the global NumPy random state is never touched.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Sequence


import numpy as np

__all__ = [
    "make_circle", "make_xor", "make_blobs", "make_spiral", "make_moons", "make_plane",
    "make_multi_gaussian", "engineer_features", "GENERATORS", "TASK_OF", "ENGINEERED_FEATURES",
]


def _check(n_samples: int, noise: float, n_classes: int = 1) -> int:
    """``n_samples`` as an int, after rejecting values the generators cannot honour."""
    at_least = max(operator.index(n_classes), 1)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < at_least:
        raise ValueError(f"n_samples must be a whole number of at least {at_least}, "
                         f"got {n_samples!r}.")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number of at least 0, got {noise!r}.")
    return int(n_samples)


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    """``(C,)`` class sizes summing to ``n_samples``; the last classes take the remainder."""
    sizes = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    sizes[n_classes - n_samples % n_classes:] += 1
    return sizes


def _labelled(parts: Sequence[np.ndarray], noise: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-class point clouds ``(N_c, 2)``, add coordinate noise, shuffle the rows."""
    X = np.concatenate(parts).astype(np.float64)
    y = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _ring(radius_low: float, radius_high: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2)`` points at uniform angles with radii uniform in ``[radius_low, radius_high]``."""
    radius = rng.uniform(radius_low, radius_high, n)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def make_circle(n_samples: int = 200, noise: float = 0.1,
                seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A disc (class 1, radius up to 0.5) inside a ring (class 0, radius 0.7 to 1).

    Not linearly separable in ``(x1, x2)``, but separable with the engineered features
    ``x1²`` and ``x2²``. Returns ``X (N, 2)`` float64 and ``y (N,)`` int64.
    """
    n_samples = _check(n_samples, noise, 2)
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _class_sizes(n_samples, 2)
    return _labelled([_ring(0.7, 1.0, n_outer, rng), _ring(0.0, 0.5, n_inner, rng)], noise, rng)


def make_xor(n_samples: int = 200, noise: float = 0.1,
             seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four quadrants: class 1 where ``x1`` and ``x2`` share a sign, class 0 elsewhere.

    Clean points lie in ``[-1, 1]²`` at least 0.05 away from both axes. Returns ``X (N, 2)``
    float64 and ``y (N,)`` int64.
    """
    n_samples = _check(n_samples, noise, 2)
    rng = np.random.default_rng(seed)
    parts = []
    for label, size in enumerate(_class_sizes(n_samples, 2)):
        magnitude = rng.uniform(0.05, 1.0, (size, 2))
        first_sign = rng.choice([-1.0, 1.0], size)
        second_sign = first_sign if label == 1 else -first_sign
        parts.append(magnitude * np.column_stack([first_sign, second_sign]))
    return _labelled(parts, noise, rng)


def make_blobs(n_samples: int = 200, noise: float = 0.3, seed: int | None = 0,
               n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """One Gaussian blob per class, centred evenly on the unit circle from angle 45°.

    ``noise`` is each blob's standard deviation, so ``noise=0`` puts every point on its centre.
    Two classes sit at ``(0.71, 0.71)`` and ``(-0.71, -0.71)``, like Playground's Gaussian set.
    Returns ``X (N, 2)`` float64 and ``y (N,)`` int64 in ``0 .. n_classes-1``.
    """
    n_samples = _check(n_samples, noise, n_classes)
    rng = np.random.default_rng(seed)
    angles = np.pi / 4 + 2 * np.pi * np.arange(n_classes) / n_classes
    centres = np.column_stack([np.cos(angles), np.sin(angles)])
    parts = [np.repeat(centre[None, :], size, axis=0)
             for centre, size in zip(centres, _class_sizes(n_samples, n_classes))]
    return _labelled(parts, noise, rng)


def make_spiral(n_samples: int = 200, noise: float = 0.1, seed: int | None = 0,
                n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class, each turning 1.75 times out to radius 1.

    Arm ``k`` is rotated by ``2πk / n_classes``. Returns ``X (N, 2)`` float64 and ``y (N,)``
    int64 in ``0 .. n_classes-1``.
    """
    n_samples = _check(n_samples, noise, n_classes)
    rng = np.random.default_rng(seed)
    parts = []
    for arm, size in enumerate(_class_sizes(n_samples, n_classes)):
        radius = np.linspace(0.0, 1.0, size, endpoint=False)
        angle = 1.75 * 2 * np.pi * radius + 2 * np.pi * arm / n_classes
        parts.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
    return _labelled(parts, noise, rng)


def make_moons(n_samples: int = 200, noise: float = 0.1,
               seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, with scikit-learn's ``make_moons`` geometry.

    Class 0 is the outer moon ``(cos t, sin t)``, class 1 the inner moon
    ``(1 - cos t, 0.5 - sin t)``, with ``t`` evenly spaced in ``[0, π]``; an odd sample count
    gives class 1 the extra point. The random stream differs from scikit-learn's.
    Returns ``X (N, 2)`` float64 and ``y (N,)`` int64.
    """
    n_samples = _check(n_samples, noise, 2)
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _class_sizes(n_samples, 2)
    t_outer, t_inner = np.linspace(0, np.pi, n_outer), np.linspace(0, np.pi, n_inner)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5])
    return _labelled([outer, inner], noise, rng)


def _regression(n_samples: int, noise: float, seed: int | None,
                surface: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``X`` uniform in ``[-1, 1]²`` and ``y = surface(X) + noise``: ``(N, 2)`` and ``(N,)``."""
    n_samples = _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    return X, surface(X) + rng.normal(scale=noise, size=len(X))


def plane_surface(X: np.ndarray) -> np.ndarray:
    """The clean plane ``(x1 + x2) / 2`` for ``X (N, 2)``: values ``(N,)`` in ``[-1, 1]``."""
    return (X[:, 0] + X[:, 1]) / 2


#: Centres ``(x1, x2)`` and signs of the six bumps in :func:`multi_gaussian_surface`.
BUMPS = np.array([[-0.8, 0.5, 1.0], [0.0, 0.5, -1.0], [0.8, 0.5, 1.0],
                  [-0.8, -0.5, -1.0], [0.0, -0.5, 1.0], [0.8, -0.5, -1.0]])
BUMP_WIDTH = 0.25


def multi_gaussian_surface(X: np.ndarray) -> np.ndarray:
    """Six Gaussian bumps of alternating sign (a checkerboard of hills and pits): ``(N,)``."""
    squared_distance = ((X[:, None, :] - BUMPS[None, :, :2]) ** 2).sum(axis=2)
    return np.exp(-squared_distance / (2 * BUMP_WIDTH**2)) @ BUMPS[:, 2]


def make_plane(n_samples: int = 200, noise: float = 0.1,
               seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Regression on a tilted plane: ``y = (x1 + x2) / 2 + noise``.

    Returns ``X (N, 2)`` float64 uniform in ``[-1, 1]²`` and ``y (N,)`` float64.
    """
    return _regression(n_samples, noise, seed, plane_surface)


def make_multi_gaussian(n_samples: int = 200, noise: float = 0.1,
                        seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Regression on six Gaussian bumps of alternating sign, plus noise.

    Returns ``X (N, 2)`` float64 uniform in ``[-1, 1]²`` and ``y (N,)`` float64.
    """
    return _regression(n_samples, noise, seed, multi_gaussian_surface)


#: Dataset name → generator; every generator accepts ``(n_samples, noise=..., seed=...)``.
GENERATORS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circle": make_circle, "xor": make_xor, "blobs": make_blobs, "spiral": make_spiral,
    "moons": make_moons, "plane": make_plane, "multi_gaussian": make_multi_gaussian,
}
#: Dataset name → ``"classification"`` or ``"regression"``.
TASK_OF: dict[str, str] = {name: "classification" for name in GENERATORS} | {
    "plane": "regression", "multi_gaussian": "regression"}

#: Feature name → how it is computed from ``X (N, 2)``.
_FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
#: Every feature :func:`engineer_features` can build, in its output order.
ENGINEERED_FEATURES: tuple[str, ...] = tuple(_FEATURES)


def engineer_features(X: np.ndarray, features: Sequence[str] = ENGINEERED_FEATURES,
                      ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Playground's input features from 2-D points.

    ``X`` is ``(N, 2)``; ``features`` picks from :data:`ENGINEERED_FEATURES` (``x1``, ``x2``,
    ``x1^2``, ``x2^2``, ``x1*x2``, ``sin(x1)``, ``sin(x2)``). Returns ``X_aug (N, F)`` float64,
    one column per chosen feature in the order given, and the tuple of their names.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"engineer_features needs points of shape (N, 2), got {X.shape}.")
    unknown = [name for name in features if name not in _FEATURES]
    if unknown or not features:
        raise ValueError(f"Choose features from {', '.join(ENGINEERED_FEATURES)}; "
                         f"got {list(features)!r}.")
    columns = [_FEATURES[name](X) for name in features]
    return np.column_stack(columns), tuple(features)
