"""Optimisers that update a flat parameter vector in place, in a lookup table.

``OPTIMIZERS[name](size, config)`` builds one; ``opt.step(params, grads, lr, scale)`` applies one
update to ``params`` (P,) from the gradient ``g = scale · grads`` (P,) with learning rate ``lr``.
The engine leaves the gradient of the *summed* loss in ``grads`` and passes the mean's 1/N as
``scale``; each optimiser folds it into a factor it multiplies by anyway. State lives in
preallocated arrays, so a step allocates nothing.

============  ===============================================================
``sgd``       θ ← θ − η g
``momentum``  v ← μ v − η g;   θ ← θ + v
``nesterov``  v ← μ v − η g;   θ ← θ + μ v − η g
``rmsprop``   s ← ρ s + (1 − ρ) g²;   θ ← θ − η g / (√s + ε)
``adam``      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
              θ ← θ − η m̂ / (√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
============  ===============================================================

The momentum forms are scikit-learn's (Sutskever et al., 2013); with a constant learning rate
they equal PyTorch's ``SGD(momentum=μ, nesterov=…)`` step for step.
"""
from __future__ import annotations

import numpy as np

__all__ = ["OPTIMIZERS"]


class SGD:
    def __init__(self, size, config, dtype=np.float64):
        self.update = np.zeros(size, dtype=dtype)

    def step(self, params, grads, lr, scale=1.0):
        np.multiply(grads, -lr * scale, out=self.update)
        params += self.update


class Momentum(SGD):
    def __init__(self, size, config, dtype=np.float64):
        super().__init__(size, config, dtype)
        self.mu = config.momentum
        self.velocity = np.zeros(size, dtype=dtype)

    def step(self, params, grads, lr, scale=1.0):
        np.multiply(grads, -lr * scale, out=self.update)   # −η g
        self.velocity *= self.mu
        self.velocity += self.update                        # v = μ v − η g
        params += self.velocity


class Nesterov(Momentum):
    def step(self, params, grads, lr, scale=1.0):
        np.multiply(grads, -lr * scale, out=self.update)   # −η g
        self.velocity *= self.mu
        self.velocity += self.update                        # v = μ v − η g
        params += self.update
        self.update[...] = self.velocity
        self.update *= self.mu
        params += self.update                           # θ += μ v − η g


class RMSProp(SGD):
    def __init__(self, size, config, dtype=np.float64):
        super().__init__(size, config, dtype)
        self.rho, self.eps = config.rho, config.eps
        self.square_avg = np.zeros(size, dtype=dtype)

    def step(self, params, grads, lr, scale=1.0):
        np.multiply(grads, grads, out=self.update)
        self.square_avg *= self.rho
        self.update *= (1.0 - self.rho) * scale * scale
        self.square_avg += self.update                  # s = ρ s + (1 − ρ) g²
        np.sqrt(self.square_avg, out=self.update)
        self.update += self.eps
        np.divide(grads, self.update, out=self.update)
        self.update *= -lr * scale
        params += self.update


class Adam(SGD):
    def __init__(self, size, config, dtype=np.float64):
        super().__init__(size, config, dtype)
        self.beta1, self.beta2, self.eps = config.beta1, config.beta2, config.eps
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self.t = 0

    def step(self, params, grads, lr, scale=1.0):
        self.t += 1
        self.m *= self.beta1
        np.multiply(grads, (1.0 - self.beta1) * scale, out=self.update)
        self.m += self.update                            # m = β₁m + (1−β₁)g
        self.v *= self.beta2
        np.multiply(grads, grads, out=self.update)
        self.update *= (1.0 - self.beta2) * scale * scale
        self.v += self.update                            # v = β₂v + (1−β₂)g²
        correction1 = 1.0 - self.beta1 ** self.t
        correction2 = 1.0 - self.beta2 ** self.t
        np.sqrt(self.v, out=self.update)
        self.update *= 1.0 / np.sqrt(correction2)
        self.update += self.eps                          # √v̂ + ε
        np.divide(self.m, self.update, out=self.update)
        self.update *= -lr / correction1
        params += self.update


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov,
              "rmsprop": RMSProp, "adam": Adam}
