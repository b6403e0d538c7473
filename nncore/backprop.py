"""The fast engine: the textbook floor's equations (:mod:`nncore.textbook`), compiled for training.

Training runs this floor; :mod:`nncore.textbook` says in plain code what it computes, and
``tests/test_textbook.py`` shows both equal to 1e-12 for every activation, loss, bias setting
and kind of noise, alone and in stacks. The output layer's ``dZ`` comes from the loss, fused
with the output activation (:mod:`nncore.losses`).

**How it is stored.** A :class:`Workspace` holds every array one batch of ``n`` samples needs:
the forward pass's cache and the backward pass's gradients, transposed with a bias row of ones
(:mod:`nncore.layout`): ``Z_lᵀ = [W_l; b_l]ᵀ [A_{l-1}; 1]ᵀ``, ``[dW_l; db_l] = [A_{l-1}; 1]ᵀ
dZ_l`` and ``dA_{l-1}ᵀ = W_l dZ_lᵀ``, the textbook's numbers. ``[W_l; b_l]`` is one block of the
flat parameter buffer (:class:`~nncore.parameters.ParameterBuffer`).

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
layout and drawn as :mod:`nncore.masks` says (the textbook floor's draws, in place).

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
  whole batch; a unit survives as long as some of its weights do. Under the standard rule
  ``dW`` is masked too, so a dropped weight is not changed by that step. Under seed post 001's
  rule (``dropconnect_rule="post"``) the forward pass uses the masked weights, the backward
  pass the unmasked ones, and ``dW`` is not masked.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .activations import ACTIVATIONS, DERIVATIVES
from .layout import rows, run, swap, transposed, with_ones_row
from .losses import LOSSES, SINGLE, STACKED, value_with_grad_of
from .masks import fixed_count_ops, keep_draws, keep_factors, row_scale, scaled_keep_ops

__all__ = ["Workspace", "with_ones_row", "transposed", "run"]


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

    ``gradient_loss`` (a loss name, or None for ``loss``) is the loss whose output delta starts
    the backward pass, while :meth:`loss_and_backward` returns ``loss``'s value.
    ``dropconnect_rule`` is ``"standard"`` (see the module notes) or ``"post"``: seed post 001's
    rule, which zeroes exactly floor(p · size) entries of each ``[W_l; b_l]`` without rescaling,
    runs the backward pass through the unmasked weights and leaves ``dW`` unmasked.
    """

    def __init__(self, arch, n, params, *, x=None, t=None, loss="mse", rng=None,
                 dropout=None, dropconnect=0.0, active=None, gradient_loss=None,
                 dropconnect_rule="standard"):
        dtype = params.values.dtype
        self.arch, self.n, self.stack = arch, n, params.stack
        self.lead = () if params.stack is None else (params.stack,)
        self.product = np.dot if params.stack is None else np.matmul
        self.x = with_ones_row(arch.sizes[0], arch.bias[0], n, dtype, self.lead) if x is None else x
        self.t = np.empty((*self.lead, arch.sizes[-1], n), dtype=dtype) if t is None else t
        self.ones = np.ones(n, dtype=dtype)
        dropout = dropout if dropout is not None else (0.0,) * (arch.n_layers - 1)
        self.dropconnect_rule = dropconnect_rule
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
        reduce = SINGLE if params.stack is None else STACKED
        self.value_op = partial(value, self.z, self.y, self.t, self.scratch, reduce)
        if gradient_loss not in (None, loss):
            value_and_grad = partial(value_with_grad_of, value, LOSSES[gradient_loss][1])
        self.loss_op = partial(value_and_grad, self.z, self.y, self.t, self.err, arch.output,
                               self.scratch, reduce)
        self._backward(layers, params, slots)

    # ------------------------------------------------------------------ building the tapes
    def _forward_layer(self, l, inp, in_keep, params, rng, dropout, dropconnect, slots):
        arch, n, tape, lead = self.arch, self.n, self.forward_tape, self.lead
        fan_in, fan_out = arch.shapes[l]
        w = params.augmented[l]                                   # [W_l; b_l] (fan_in+1, fan_out)
        layer = {"input": inp, "weights": w, "weight_mask": None, "unmasked": None, "in_keep": None,
                 "unit_mask": None, "deriv": None, "out_keep": None, "dropping": False}
        if rng is not None and np.any(np.asarray(dropconnect) > 0.0):
            self._dropconnect(layer, w, rng, dropconnect)
        if in_keep is not None:                   # the layer below dropped units: scale its rows
            scale = row_scale(in_keep, fan_in, arch.bias[l], lead, w.dtype)
            scaled = np.empty(w.shape, w.dtype)
            tape.append(partial(np.multiply, layer["weights"], scale, out=scaled))
            layer.update(weights=scaled, in_keep=scale)
        layer["backward_weights"] = self._backward_weights(layer)
        last = l == arch.n_layers - 1
        a = np.empty((*lead, fan_out, n), w.dtype) if last else \
            with_ones_row(fan_out, arch.bias[l + 1], n, w.dtype, lead)
        z = rows(a, fan_out)                                     # Z_lᵀ (fan_out, n)
        tape.append(partial(self.product, swap(layer["weights"]), inp, z))
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
            tape += keep_draws(rng, mask, dropout[l]) + \
                [partial(np.multiply, z, mask, out=rows(dropped, fan_out))]
            layer.update(unit_mask=mask, next_input=dropped)
        if dropping:
            layer.update(dropping=True, out_keep=keep_factors(rng, dropout[l], w.dtype))
        return layer

    def _dropconnect(self, layer, w, rng, p):
        """Draw the layer's DropConnect mask each step and use ``w ⊙ mask`` in the forward pass;
        the backward pass masks ``dW`` too (standard rule) or runs through ``w`` (the post's)."""
        mask, used = np.empty_like(w), np.empty_like(w)
        post = self.dropconnect_rule == "post"
        draw = fixed_count_ops if post else scaled_keep_ops
        self.forward_tape.extend(draw(rng, mask, p) + [partial(np.multiply, w, mask, out=used)])
        layer.update(weights=used, weight_mask=None if post else mask,
                     unmasked=w if post else None)

    def _backward_weights(self, layer):
        """The weights the backward pass multiplies by: those of the forward pass, except under
        seed post 001's rule, where they are the unmasked ``[W_l; b_l]`` (row-scaled like the
        forward's when the layer below dropped units)."""
        w = layer["unmasked"]
        if w is None:
            return layer["weights"]
        if layer["in_keep"] is None:
            return w
        scaled = np.empty(w.shape, w.dtype)
        self.forward_tape.append(partial(np.multiply, w, layer["in_keep"], out=scaled))
        return scaled

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
        return ops + keep_draws(rng, kept, p) + [partial(np.logical_and, alive, kept, out=alive),
                                             partial(np.copyto, deriv, alive),
                                             partial(np.multiply, z, deriv, out=z)]

    def _backward(self, layers, params, slots):
        arch, tape = self.arch, self.backward_tape
        if self._one_output_backward(layers, params, slots):
            return
        dz = self.err
        for l in range(arch.n_layers - 1, -1, -1):
            layer, grad = layers[l], params.grad_augmented[l]
            tape.append(partial(self.product, layer["input"], swap(dz), grad))  # [dW_l; db_l]
            self._grad_masks(layer, grad)
            if l == 0:
                break
            h, below = l - 1, layers[l - 1]
            fan_in = arch.shapes[l][0]
            deriv = self._derivative_ops(below, arch.activations[h], slots[h])
            da = np.empty((*self.lead, fan_in, self.n), dz.dtype)             # dA_hᵀ (fan_in, n)
            tape.append(self._input_grad_op(rows(layer["backward_weights"], fan_in), dz, da))
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
        """The backward pass of ``D → H → 1`` without forming ``dZ_1`` (the module's notes, "One
        output unit"): ``e = dZ_2ᵀ`` (n,), ``w`` the output weights (H,),
        ``F = f'(Z_1) ⊙ mask``, ``Gᵀ = (x ⊙ e) Fᵀ`` and ``[dW_1; db_1]_ih = w_h · G_hi``."""
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
            tape.append(partial(self.product, out["input"], swap(e), grad_out))
        deriv = self._derivative_ops(hidden, name, slots[0])
        xe = np.empty((*self.lead, columns, self.n), e.dtype)
        g_t = np.empty((*self.lead, columns, width), e.dtype)                  # Gᵀ
        tape += [partial(np.multiply, x, e, out=xe), partial(self.product, xe, swap(deriv), g_t)]
        if homogeneous:
            terms = np.empty_like(g_t)
            tape += [partial(np.multiply, hidden["weights"], g_t, out=terms),
                     partial(np.add.reduce, terms, axis=-2, out=grad_out[..., :width, 0])]
            if arch.bias[1]:
                tape.append(partial(np.matmul, e, self.ones, out=grad_out[..., width, :]))
        self._grad_masks(out, grad_out)
        tape.append(partial(np.multiply, g_t, swap(rows(out["backward_weights"], width)),
                            out=grad_hidden))
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
        np.copyto(rows(self.x, self.arch.sizes[0]), X.T)
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
