"""The forward and backward passes, written once and used everywhere.

The equations, in the row-batch convention of the seed post (``A_0 = X`` is ``(n, D)``)::

    forward   Z_l = A_{l-1} W_l + b_l            (n, fan_out)
              A_l = f_l(Z_l)                     (n, fan_out)    [⊙ dropout mask]
    backward  dW_l = A_{l-1}ᵀ dZ_l               (fan_in, fan_out)
              db_l = 1ᵀ dZ_l                     (fan_out,)
              dA_{l-1} = dZ_l W_lᵀ               (n, fan_in)
              dZ_{l-1} = dA_{l-1} ⊙ f'_{l-1}     (n, fan_in)

The output layer's ``dZ`` comes from the loss, fused with the output activation
(:mod:`nncore.losses`).

**How it is stored.** A :class:`Workspace` holds every array one batch of ``n`` samples needs:
the forward pass's cache and the backward pass's gradients. Two choices make it fast:

- Activations are stored *transposed*, ``A_lᵀ`` as ``(fan_out, n)``, so the long sample axis is
  the contiguous one and every elementwise step streams through memory. The products above
  become ``Z_lᵀ = W_lᵀ A_{l-1}ᵀ``, ``dW_l = A_{l-1}ᵀ (dZ_lᵀ)ᵀ`` and ``dA_{l-1}ᵀ = W_l dZ_lᵀ``: the
  same numbers.
- A bias is the weight of an extra input that is always 1. ``A_{l-1}ᵀ`` carries a last row of
  ones when layer ``l`` has a bias, and ``[W_l; b_l]`` is one ``(fan_in + 1, fan_out)`` block
  (see :class:`~nncore.parameters.ParameterBuffer`), so ``Z_l = [A_{l-1}, 1] [W_l; b_l]``
  and one product gives both ``dW_l`` and ``db_l``.

**One output unit.** When a network has one hidden layer and one output, ``dZ_1`` is the outer
product ``w₂ e`` (``e = dZ_2``) times ``F = f'(Z_1)`` [⊙ mask], so the first layer's gradient is
taken without forming it: ``[dW_1; db_1]_ih = w₂_h G_hi`` with ``Gᵀ = (x ⊙ e) Fᵀ``, one product of
the ``(D [+1], n)`` matrix ``x ⊙ e`` with ``F``. For ReLU, ``A_1 = F ⊙ Z_1`` and
``Z_1 = [W_1; b_1]ᵀ x``, so ``dW_2 = A_1 e`` is ``Σ_i [W_1; b_1]_ih G_hi`` from the same ``G`` and
``db_2 = Σ_n e_n``. This saves three passes over the hidden layer per step. The numbers agree
with the textbook order up to rounding, and single runs and stacks take the same path, with one
exception: an identity hidden layer takes it only when it drops out, so in a stack that mixes
dropout with none, a network without dropout differs from its single run by rounding.

The workspace is built once per batch size and compiles the step into a *tape*: a list of NumPy
calls with every argument bound. Running a pass is ``for op in tape: op()``, which allocates
nothing and spends no time deciding what to do.

**Stacks.** With ``stack=K`` the workspace trains ``K`` networks of the same shape at once: every
array gains a leading axis ``K`` (parameters ``(K, P)``, activations ``(K, fan_out, n)``), products
become ``np.matmul`` over the stack, and each network keeps its own generator, learning rate
and dropout rate. Each network's numbers are those it would get trained alone.

**Training mode** (a workspace given ``rng``) adds two kinds of noise, drawn in this order for
every step and layer ``l = 1 … L``: first the DropConnect mask of ``[W_l; b_l]``, then, for a
hidden layer, the dropout mask of ``A_l``, each stored as ``(rows, cols)`` of the transposed
layout. Each entry takes the next 16-bit lane of the generator's raw 64-bit output
(``rng.bit_generator.random_raw``, four lanes per draw, in C order): it is kept when the lane is
≥ round(p·65536), and kept entries are scaled by 1/(1−p′) with p′ = round(p·65536)/65536
("inverted" dropout), so evaluation needs no rescaling.

- **Dropout** zeroes hidden *units*, independently for every sample of the batch. The mask is
  stored as 0/1 and the factor 1/(1−p′) is applied to the rows of the next layer's
  ``[W; b]`` that read those units (a copy made each step; the bias row is not scaled), which
  gives the same numbers up to rounding as scaling every kept activation, in one pass less.
  ``dW`` of those rows is scaled by the same factor. For a ReLU layer, ReLU and dropout are
  one step in byte-sized booleans: ``[Z > 0] ∧ kept`` is ``f'(Z) ⊙ mask``, cast to a 0/1
  float array ``F`` that the backward pass reuses, and ``A = Z ⊙ F`` in place (a boolean pass
  costs about a third of a float one here, so this saves two of the four float passes a step
  used to make).
- **DropConnect** zeroes individual *weights* (a bias counts as a weight), the same for the
  whole batch; a unit survives as long as some of its weights do. ``dW`` is masked too, so a
  dropped weight is not changed by that step. The seed post 001 drops a fixed count of weights
  without rescaling and keeps the unmasked gradient; this is the standard form of the same idea.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .activations import ACTIVATIONS, DERIVATIVES
from .losses import LOSSES, SINGLE, STACKED

__all__ = ["Workspace", "with_ones_row", "transposed", "run"]


def with_ones_row(rows: int, ones: bool, n: int, dtype=np.float64, lead=()) -> np.ndarray:
    """An uninitialised ``(*lead, rows [+ 1], n)`` array whose extra last row, if any, is all ones."""
    out = np.empty((*lead, rows + bool(ones), n), dtype=dtype)
    if ones:
        out[..., rows, :] = 1.0
    return out


def transposed(X, T, arch, dtype=np.float64):
    """``X`` (N, D) → ``(D [+1], N)`` with a ones row when layer 1 has a bias; ``T`` → ``(C, N)``."""
    x = with_ones_row(arch.sizes[0], arch.bias[0], len(X), dtype)
    x[: arch.sizes[0]] = X.T
    return x, np.ascontiguousarray(T.T, dtype=dtype)


def run(tape) -> None:
    """Run a tape of bound NumPy calls."""
    for op in tape:
        op()


MASK_LEVELS = 65536
"""Drop decisions compare 16-bit random lanes with a threshold, so a drop probability ``p``
acts as ``round(p · 65536) / 65536`` (off by less than 1/131072)."""


def keep_factor(p: float) -> float:
    """1/(1 − p′), p′ = round(p·65536)/65536: the scale that keeps a kept entry's expectation."""
    return MASK_LEVELS / (MASK_LEVELS - round(p * MASK_LEVELS))


def _draw_keep(bit_generator, mask, p):
    """mask ← 1 where a fresh 16-bit lane u is ≥ round(p·65536), else 0: kept with probability
    1 − p′. One 64-bit draw of the generator gives four lanes, which is 3–4× cheaper than one
    uniform double per entry (in dropout runs the draws were half of a training step)."""
    lanes = bit_generator.random_raw((mask.size + 3) // 4).view(np.uint16)[: mask.size]
    np.greater_equal(lanes.reshape(mask.shape), round(p * MASK_LEVELS), out=mask)


def _draws(rng, mask, p):
    """Calls that fill ``mask`` with 1 where an entry is kept and 0 where it is dropped.

    For a stack, ``rng`` is one generator per network and ``p`` one rate per network."""
    if isinstance(rng, np.random.Generator):
        return [partial(_draw_keep, rng.bit_generator, mask, p)]
    return [_StackedDraws(rng, mask, p)]


def _per_network(p, k):
    """One rate per network of a stack of ``k``: ``p`` is one rate for all or ``k`` rates."""
    return np.broadcast_to(np.asarray(p, dtype=np.float64), (k,))


class _StackedDraws:
    """The masks of a stack in one comparison: each network's words come from its own generator
    (exactly the lanes :func:`_draw_keep` would take) and are gathered into one buffer."""

    def __init__(self, rngs, mask, p):
        rates = _per_network(p, len(rngs))
        size = mask[0].size
        self.words = (size + 3) // 4
        self.buffer = np.empty((len(rngs), self.words), np.uint64)
        self.lanes = self.buffer.view(np.uint16)[:, :size].reshape(mask.shape)
        levels = [round(q * MASK_LEVELS) for q in rates]
        self.threshold = levels[0] if len(set(levels)) == 1 else \
            np.array(levels, dtype=np.uint16).reshape(-1, *(1,) * (mask.ndim - 1))
        self.generators = [g.bit_generator for g in rngs]
        self.mask = mask

    def __call__(self):
        words = self.words
        np.concatenate([g.random_raw(words) for g in self.generators], out=self.buffer.reshape(-1))
        np.greater_equal(self.lanes, self.threshold, out=self.mask)


def _keep_factors(rng, p, dtype):
    """keep/(1 − p′) for one network (a float) or a stack (a ``(K, 1, 1)`` array)."""
    if isinstance(rng, np.random.Generator):
        return keep_factor(p)
    rates = _per_network(p, len(rng))
    return np.array([keep_factor(q) for q in rates], dtype=dtype).reshape(-1, 1, 1)


def _mask_ops(rng, mask, p):
    """Calls that fill ``mask`` with keep/(1 − p′): kept entries scaled, dropped ones 0."""
    keep = _keep_factors(rng, p, mask.dtype)
    return _draws(rng, mask, p) + [partial(np.multiply, mask, keep, out=mask)]


def _row_scale(keep, rows, ones, lead, dtype):
    """A ``(*lead, rows [+ 1], 1)`` column: ``keep`` on the first ``rows`` entries, 1 on a bias row."""
    out = np.ones((*lead, rows + bool(ones), 1), dtype=dtype)
    out[..., :rows, :] = keep
    return out


class _StackReduce:
    """Per-network reductions of ``(K, C, n)`` arrays for the losses: the sum of products is one
    BLAS dot per network, which costs less per call than ``einsum`` at these sizes."""

    @staticmethod
    def dot(a, b):
        if a.ndim < b.ndim:                       # a shared (C, n) array, such as the targets
            a, b = b, a
        k = a.shape[0]
        b = b.reshape(-1, 1) if b.ndim < a.ndim else b.reshape(k, -1, 1)
        return np.matmul(a.reshape(k, 1, -1), b)[:, 0, 0]

    sum = staticmethod(STACKED.sum)


_STACK_REDUCE = _StackReduce()


def _rows(a, stop):
    """The first ``stop`` rows of the feature axis (axis −2), for a single array or a stack."""
    return a[..., :stop, :]


def _swap(a):
    """Transpose the last two axes: ``Aᵀ`` for one matrix, each matrix's transpose for a stack."""
    return a.swapaxes(-1, -2)


class Workspace:
    """Arrays and compiled tapes for one batch of ``n`` samples through a network.

    ``params`` is the :class:`~nncore.parameters.ParameterBuffer` the tapes read and write.
    ``x`` (``(D [+1], n)``, transposed, ones row when layer 1 has a bias) and ``t`` (``(C, n)``)
    may be given to train on arrays that already exist; otherwise the workspace owns them and
    :meth:`load` fills them. With ``rng``, forward passes are in training mode. ``active``, a
    vector with one slot per hidden ReLU unit, receives on each training step the number of
    samples on which each such unit was active before dropout (0 means dead).

    For a stack (``params.stack == K``), ``rng`` is a list of ``K`` generators, each entry of
    ``dropout`` is ``K`` rates (one per network) and ``dropconnect`` is ``K`` rates; ``x`` and
    ``t`` may be shared ``(D [+1], n)``/``(C, n)`` arrays or per-network ``(K, …, n)`` ones.
    """

    def __init__(self, arch, n, params, *, x=None, t=None, loss="mse", rng=None,
                 dropout=None, dropconnect=0.0, active=None):
        dtype = params.values.dtype
        self.arch, self.n, self.stack = arch, n, params.stack
        self.lead = () if params.stack is None else (params.stack,)
        self.product = np.dot if params.stack is None else np.matmul
        self.x = with_ones_row(arch.sizes[0], arch.bias[0], n, dtype, self.lead) if x is None else x
        self.t = np.empty((*self.lead, arch.sizes[-1], n), dtype=dtype) if t is None else t
        self.ones = np.ones(n, dtype=dtype)
        dropout = dropout if dropout is not None else (0.0,) * (arch.n_layers - 1)
        slots = _relu_slots(arch, active if params.stack is None else None)
        self.forward_tape, self.backward_tape, layers = [], [], []
        inp, in_keep = self.x, None
        for l in range(arch.n_layers):
            layer = self._forward_layer(l, inp, in_keep, params, rng, dropout, dropconnect, slots)
            layers.append(layer)
            inp, in_keep = layer["next_input"], layer["out_keep"]
        self.z, self.y = layers[-1]["z"], layers[-1]["y"]
        self.err = np.empty_like(self.z)
        self.scratch = np.empty_like(self.z)
        value, value_and_grad = LOSSES[loss]
        reduce = SINGLE if params.stack is None else _STACK_REDUCE
        self.value_op = partial(value, self.z, self.y, self.t, self.scratch, reduce)
        self.loss_op = partial(value_and_grad, self.z, self.y, self.t, self.err, arch.output,
                               self.scratch, reduce)
        self._backward(layers, params, slots)

    # ------------------------------------------------------------------ building the tapes
    def _forward_layer(self, l, inp, in_keep, params, rng, dropout, dropconnect, slots):
        arch, n, tape, lead = self.arch, self.n, self.forward_tape, self.lead
        fan_in, fan_out = arch.shapes[l]
        w = params.augmented[l]                                   # [W_l; b_l] (fan_in+1, fan_out)
        layer = {"input": inp, "weights": w, "weight_mask": None, "in_keep": None,
                 "unit_mask": None, "deriv": None, "out_keep": None, "dropping": False}
        if rng is not None and np.any(np.asarray(dropconnect) > 0.0):
            mask, used = np.empty_like(w), np.empty_like(w)
            tape += _mask_ops(rng, mask, dropconnect) + [partial(np.multiply, w, mask, out=used)]
            layer.update(weights=used, weight_mask=mask)
        if in_keep is not None:                   # the layer below dropped units: scale its rows
            scale = _row_scale(in_keep, fan_in, arch.bias[l], lead, w.dtype)
            scaled = np.empty(w.shape, w.dtype)
            tape.append(partial(np.multiply, layer["weights"], scale, out=scaled))
            layer.update(weights=scaled, in_keep=scale)
        last = l == arch.n_layers - 1
        a = np.empty((*lead, fan_out, n), w.dtype) if last else \
            with_ones_row(fan_out, arch.bias[l + 1], n, w.dtype, lead)
        z = _rows(a, fan_out)                                     # Z_lᵀ (fan_out, n)
        tape.append(partial(self.product, _swap(layer["weights"]), inp, z))
        layer["z"] = z
        if last:
            layer["y"] = z if arch.output == "identity" else np.empty_like(z)
            if arch.output != "identity":
                tape.append(partial(ACTIVATIONS[arch.output], z, layer["y"]))
            layer["next_input"] = None
            return layer
        name = arch.activations[l]
        layer["next_input"] = a
        dropping = rng is not None and np.any(np.asarray(dropout[l]) > 0.0)
        if name == "relu":
            layer["deriv"] = np.empty_like(z)                     # F = f'(Z) ⊙ mask
        if name == "relu" and dropping:
            tape += self._dropped_relu_ops(z, layer["deriv"], rng, dropout[l], slots[l])
        else:
            tape.append(_activation_op(name, z))                   # A_lᵀ in place
        if dropping and name != "relu":                            # a mask and a dropped copy
            mask = np.empty_like(z)
            dropped = with_ones_row(fan_out, arch.bias[l + 1], n, w.dtype, lead)
            tape += _draws(rng, mask, dropout[l]) + \
                [partial(np.multiply, z, mask, out=_rows(dropped, fan_out))]
            layer.update(unit_mask=mask, next_input=dropped)
        if dropping:
            layer.update(dropping=True, out_keep=_keep_factors(rng, dropout[l], w.dtype))
        return layer

    def _dropped_relu_ops(self, z, deriv, rng, p, slot):
        """ReLU and dropout together, in byte-sized masks, for ``z = Zᵀ`` (``(*lead, units, n)``):
        ``alive = [Z > 0] ∧ kept`` is ``f'(Z) ⊙ mask``; it is cast to the 0/1 float array
        ``deriv`` (``F``, which the backward pass reuses) and ``A = Z ⊙ F`` in place: two float
        passes where ReLU, the mask's cast and multiply and the derivative made four. When the
        dead units are counted (``slot``), ``[Z > 0]`` is cast once more before dropping.
        (A ``Z`` of −∞, possible only after the weights overflowed, gives NaN here.)"""
        alive, kept = np.empty(z.shape, bool), np.empty(z.shape, bool)
        ops = [partial(np.greater, z, 0.0, out=alive)]
        if slot is not None:                                       # count before dropping
            ops += [partial(np.copyto, deriv, alive), partial(np.dot, deriv, self.ones, slot)]
        return ops + _draws(rng, kept, p) + [partial(np.logical_and, alive, kept, out=alive),
                                             partial(np.copyto, deriv, alive),
                                             partial(np.multiply, z, deriv, out=z)]

    def _backward(self, layers, params, slots):
        arch, tape = self.arch, self.backward_tape
        if self._one_output_backward(layers, params, slots):
            return
        dz = self.err
        for l in range(arch.n_layers - 1, -1, -1):
            layer, grad = layers[l], params.grad_augmented[l]
            tape.append(partial(self.product, layer["input"], _swap(dz), grad))  # [dW_l; db_l]
            self._grad_masks(layer, grad)
            if l == 0:
                break
            h, below = l - 1, layers[l - 1]
            fan_in = arch.shapes[l][0]
            deriv = self._derivative_ops(below, arch.activations[h], slots[h])
            da = np.empty((*self.lead, fan_in, self.n), dz.dtype)             # dA_hᵀ (fan_in, n)
            tape.append(self._input_grad_op(_rows(layer["weights"], fan_in), dz, da))
            if deriv is not None:
                tape.append(partial(np.multiply, da, deriv, out=da))
            dz = da

    def _grad_masks(self, layer, grad):
        """Scale ``[dW; db]`` like the weights the forward pass used (dropout keep factors of the
        rows, DropConnect mask)."""
        for factor in (layer["in_keep"], layer["weight_mask"]):
            if factor is not None:
                self.backward_tape.append(partial(np.multiply, grad, factor, out=grad))

    def _one_output_backward(self, layers, params, slots) -> bool:
        """The backward pass of ``D → H → 1`` without forming ``dZ_1`` (see the module notes).

        With ``e = dZ_2ᵀ`` (n,), ``w`` the output weights (H,) and ``F = f'(Z_1) ⊙ mask``,
        ``dZ_1ᵀ = (w ⊗ e) ⊙ F``, so ``[dW_1; db_1]_ih = w_h · G_hi`` with ``Gᵀ = (x ⊙ e) Fᵀ``: one
        product over the samples with the ``(D [+ 1])``-row matrix ``x ⊙ e``. For ReLU, ``A_1 = F ⊙
        Z_1`` and ``Z_1 = [W_1; b_1]ᵀ x``, so the output layer's ``dW_2 = A_1 e`` is also
        ``Σ_i [W_1; b_1]_ih G_hi``, and ``db_2 = Σ_n e_n``: no pass over ``A_1`` at all."""
        arch = self.arch
        if arch.n_layers != 2 or arch.sizes[-1] != 1:
            return False
        hidden, out = layers
        name, width = arch.activations[0], arch.sizes[1]
        if name == "identity" and hidden["unit_mask"] is None:
            return False
        tape, e, x = self.backward_tape, self.err, hidden["input"]
        grad_out, grad_hidden = params.grad_augmented[1], params.grad_augmented[0]
        columns = x.shape[-2]
        homogeneous = name == "relu" and columns <= 8        # dW₂ from G costs ≈ columns/H passes
        if not homogeneous:
            tape.append(partial(self.product, out["input"], _swap(e), grad_out))
        deriv = self._derivative_ops(hidden, name, slots[0])
        xe = np.empty((*self.lead, columns, self.n), e.dtype)
        g_t = np.empty((*self.lead, columns, width), e.dtype)                  # Gᵀ
        tape += [partial(np.multiply, x, e, out=xe), partial(self.product, xe, _swap(deriv), g_t)]
        if homogeneous:
            terms = np.empty_like(g_t)
            tape += [partial(np.multiply, hidden["weights"], g_t, out=terms),
                     partial(np.add.reduce, terms, axis=-2, out=grad_out[..., :width, 0])]
            if arch.bias[1]:
                tape.append(partial(np.matmul, e, self.ones, out=grad_out[..., width, :]))
        self._grad_masks(out, grad_out)
        tape.append(partial(np.multiply, g_t, _swap(_rows(out["weights"], width)), out=grad_hidden))
        self._grad_masks(hidden, grad_hidden)
        return True

    def _derivative_ops(self, layer, name, slot):
        """Append the calls that leave f'(Z) ⊙ mask of a hidden layer in an array; return it
        (None when it is all ones)."""
        tape, z, mask = self.backward_tape, layer["z"], layer["unit_mask"]
        if name == "relu":
            deriv = layer["deriv"]
            if not layer["dropping"]:                  # a dropped layer has it from the forward pass
                tape.append(partial(DERIVATIVES[name], z, deriv))
                if slot is not None:
                    tape.append(partial(np.dot, deriv, self.ones, slot))
            return deriv
        if name == "identity":
            return mask
        deriv = np.empty_like(z)
        tape.append(partial(DERIVATIVES[name], z, deriv))
        if mask is not None:
            tape.append(partial(np.multiply, deriv, mask, out=deriv))
        return deriv

    def _input_grad_op(self, w, dz, da):
        """dA_{l-1}ᵀ = W_l dZ_lᵀ. For a stack whose layer has one unit this is an outer product,
        which a broadcast multiply does about twice as fast as a batched matmul."""
        if self.stack is not None and dz.shape[-2] == 1:
            return partial(np.multiply, w, dz, out=da)
        return partial(self.product, w, dz, da)

    # ------------------------------------------------------------------ using it
    def load(self, X, T=None) -> None:
        """Copy inputs ``X`` (n, D) and, if given, targets ``T`` (n, C) into the workspace."""
        np.copyto(_rows(self.x, self.arch.sizes[0]), X.T)
        if T is not None:
            np.copyto(self.t, T.T)

    def forward(self) -> np.ndarray:
        """Run the forward pass; returns the outputs ``Yᵀ`` (C, n)."""
        run(self.forward_tape)
        return self.y

    def loss_and_backward(self) -> float:
        """Loss of the last forward pass; leaves the summed-loss gradient in the parameters' grads."""
        value = self.loss_op()
        run(self.backward_tape)
        return value


def _activation_op(name, z):
    """f(z) in place; ReLU takes a preallocated zero array, which NumPy handles fastest."""
    if name == "relu":
        return partial(np.maximum, z, np.zeros_like(z), out=z)
    return partial(ACTIVATIONS[name], z, z)


def _relu_slots(arch, active):
    """For each hidden layer, the slice of ``active`` that counts its ReLU units (or None)."""
    slots, start = [], 0
    for width, name in zip(arch.sizes[1:-1], arch.activations):
        if name == "relu" and active is not None:
            slots.append(active[start: start + width])
            start += width
        else:
            slots.append(None)
    return slots
