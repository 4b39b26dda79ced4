r"""Conv1d networks in the checker of the floating-point tier (numpy only).

The model document (format ``verifier-conv1d``) is described in
:mod:`verifier.torch_backend.conv`; this module reads it again, strictly, and recomputes
with its own numpy code:

* the forward pass: a convolution is a sum over kernel taps t of W[:, :, t] times the
  zero-padded input sampled at positions pos * stride + t * dilation;
* the per-sample Jacobian block of the conv parameters, J_conv (m x n_conv), by its own
  backward pass: D = dH/dZ for every residual row, sent back through the MLP head, the
  flattening and each convolution (the transpose of the tap sum), then
  dH_r/dW[o, c, t] = sum_pos D[r, o, pos] * A_pad[i, c, pos * stride + t * dilation] and
  dH_r/db[o] = sum_pos D[r, o, pos]. The solver gets the same block from torch.func
  (vmap of jacrev): two independent derivations;
* K = J_conv J_conv^T + K_head with K_head the structured Gram of the MLP head at the
  flattened features (:func:`dense.gram_structured`), and the entrywise a-priori
  bound on the error of forming K;
* the per-layer factors of the Lipschitz bound on J: ``mult`` (the largest number of
  (position, tap) pairs reading one input entry), ``npos`` (output length), units,
  the kernel matrices W.reshape(out, -1) whose spectral norms the certificate bounds,
  and the column-norm bounds max_c sqrt(sum_{o,t} W[o, c, t]^2).
"""

from __future__ import annotations

import numpy as np

from ..format import FormatError
from .dense import DenseNet
from .numerics import ETA, SAFETY, SUP_D, Act, lipschitz_prep_layers

__all__ = ["read_conv_model", "ConvNet"]

CONV_KEYS = {"type", "channels", "kernel", "stride", "padding", "dilation", "bias", "activation"}
LINEAR_KEYS = {"type", "out", "bias", "activation"}


def _out_length(L_in, k, s, pad, dil):
    return (L_in + 2 * pad - dil * (k - 1) - 1) // s + 1


def _mult(L_in, L_out, k, s, pad, dil):
    counts = np.zeros(L_in, dtype=np.int64)
    pos = np.arange(L_out)
    for t in range(k):
        j = pos * s + t * dil - pad
        j = j[(j >= 0) & (j < L_in)]
        counts[j] += 1
    return int(counts.max())


def read_conv_model(doc):
    """(p, l, geometry list) from a verifier-conv1d document, read strictly.

    Each geometry entry is a dict with ``kind`` ("conv1d" or "linear"), shapes, ``bias``,
    ``act`` (a :class:`numerics.Act`, None for the output layer), ``units``, ``mult``, ``npos``, ``n``.
    """
    if not isinstance(doc, dict) or doc.get("version") != 1 \
            or set(doc) != {"format", "version", "input", "l", "layers"}:
        raise FormatError("instance.model is not a verifier-conv1d version 1 document")
    inp, l, layers = doc["input"], doc["l"], doc["layers"]
    if not isinstance(inp, list) or len(inp) != 2 or any(type(v) is not int or not 1 <= v <= 10**6 for v in inp) \
            or type(l) is not int or l < 1 or not isinstance(layers, list) or not 2 <= len(layers) <= 64:
        raise FormatError("model input, l, layers malformed")
    C, L = inp
    out, linear, work = [], False, 0
    for k, layer in enumerate(layers):
        last = k == len(layers) - 1
        if not isinstance(layer, dict):
            raise FormatError(f"model layer {k + 1} malformed")
        if layer.get("type") == "conv1d" and set(layer) == CONV_KEYS and not linear and not last:
            ks, s, pad, dil, c_out = (layer[key] for key in ("kernel", "stride", "padding", "dilation", "channels"))
            if any(type(v) is not int or not 1 <= v <= 4096 for v in (ks, s, dil, c_out)) \
                    or type(pad) is not int or not 0 <= pad <= 4096 or type(layer["bias"]) is not bool:
                raise FormatError(f"conv1d layer {k + 1} malformed")
            Lo = _out_length(L, ks, s, pad, dil)
            work += ks * Lo
            if Lo < 1 or c_out * Lo > 10**7 or work > 10**8 or C * (L + 2 * pad) > 10**8:
                raise FormatError(f"conv1d layer {k + 1}: output length {Lo} or padded input out of range")
            g = {"kind": "conv1d", "c_in": C, "l_in": L, "c_out": c_out, "l_out": Lo, "kernel": ks, "stride": s,
                 "padding": pad, "dilation": dil, "bias": layer["bias"], "act": Act(layer["activation"]),
                 "units": c_out * Lo, "mult": _mult(L, Lo, ks, s, pad, dil), "npos": Lo}
            g["n"] = c_out * C * ks + (c_out if layer["bias"] else 0)
            C, L = c_out, Lo
        elif layer.get("type") == "linear" and set(layer) == LINEAR_KEYS and k > 0:
            o = layer["out"]
            if type(o) is not int or o < 1 or type(layer["bias"]) is not bool:
                raise FormatError(f"linear layer {k + 1} malformed")
            fan = out[-1]["units"]
            if last:
                if layer["activation"] is not None or o != l:
                    raise FormatError("the last model layer must be linear with out = l")
                act = None
            else:
                act = Act(layer["activation"])
            g = {"kind": "linear", "in": fan, "out": o, "bias": layer["bias"], "act": act, "units": o, "mult": 1,
                 "npos": 1, "n": o * fan + (o if layer["bias"] else 0)}
            linear = True
        else:
            raise FormatError(f"model layer {k + 1} malformed (conv1d layers first, then linear ones, the last "
                              "linear)")
        out.append(g)
    if not linear:
        raise FormatError("a Conv1d model ends with a linear layer")
    return inp[0] * inp[1], l, out


def _conv_forward(A, W, b, g):
    """Z (rows, c_out, l_out) = conv(A (rows, c_in, l_in), W) + b, by the tap sum."""
    pad, s, dil, Lo = g["padding"], g["stride"], g["dilation"], g["l_out"]
    Ap = np.pad(A, ((0, 0), (0, 0), (pad, pad))) if pad else A
    Z = np.zeros((A.shape[0], g["c_out"], Lo))
    for t in range(g["kernel"]):
        start = t * dil
        Z += np.matmul(W[:, :, t], Ap[:, :, start:start + s * (Lo - 1) + 1:s])
    if b is not None:
        Z += b[None, :, None]
    return Z


def _conv_backward(D, W, g):
    """dH/dA (rows, c_in, l_in) from D = dH/dZ (rows, c_out, l_out): the transpose of the tap sum."""
    pad, s, dil, Lo, Li = g["padding"], g["stride"], g["dilation"], g["l_out"], g["l_in"]
    out = np.zeros((D.shape[0], g["c_in"], Li + 2 * pad))
    for t in range(g["kernel"]):
        start = t * dil
        out[:, :, start:start + s * (Lo - 1) + 1:s] += np.matmul(W[:, :, t].T, D)
    return out[:, :, pad:pad + Li]


class ConvNet:
    """A Conv1d network at the stored weights: the interface of :class:`dense.DenseNet`."""

    def __init__(self, geom, p, l, w, X):
        self.geom, self.p, self.l, self.X = geom, p, l, X
        self.d = X.shape[0]
        self.convs = [g for g in geom if g["kind"] == "conv1d"]
        off, self.Wb = 0, []
        for g in self.convs:
            nw = g["c_out"] * g["c_in"] * g["kernel"]
            W = w[off:off + nw].reshape(g["c_out"], g["c_in"], g["kernel"])
            off += nw
            b = None
            if g["bias"]:
                b = w[off:off + g["c_out"]]
                off += g["c_out"]
            self.Wb.append((W, b))
        self.n_conv = off
        self.w_head = w[off:]
        self.acts = [g["act"] for g in self.convs] + [g["act"] for g in geom[len(self.convs):-1]]
        self.L = len(geom) - 1
        self._head = None

    @property
    def head(self):
        """The MLP head at the flattened conv features (forward pass on first use)."""
        if self._head is None:
            A = self.X.reshape(self.d, self.convs[0]["c_in"], self.convs[0]["l_in"])
            self.Apad, self.Z = [], []
            for (W, b), g in zip(self.Wb, self.convs):
                self.Apad.append(np.pad(A, ((0, 0), (0, 0), (g["padding"],) * 2)) if g["padding"] else A)
                Z = _conv_forward(A, W, b, g)
                self.Z.append(Z)
                A = g["act"].f(Z)
            feats = A.reshape(self.d, -1)
            head = [(g["out"], g["bias"], g["act"]) for g in self.geom[len(self.convs):]]
            self._head = DenseNet(feats.shape[1], self.l, head, self.w_head, feats)
        return self._head

    def output(self):
        return self.head.output()

    def conv_jacobian(self):
        """J_conv (l*d x n_conv), point-major rows, by the backward pass of the module docstring."""
        self.head
        d, l = self.d, self.l
        M = d * l
        # dH/d(features): back through the head (dense), starting from e_o per row (i, o)
        G = np.tile(np.eye(l), (d, 1))
        hw = self.head.Wb
        for k in range(len(hw) - 1, -1, -1):
            G = G @ hw[k][0]
            if k > 0:
                G = (G.reshape(d, l, -1) * self.head.acts[k - 1].df(self.head.Zs[k - 1])[:, None, :]).reshape(M, -1)
        cols = []
        for c in range(len(self.convs) - 1, -1, -1):
            g = self.convs[c]
            W, b = self.Wb[c]
            dsig = g["act"].df(self.Z[c])                                  # (d, c_out, l_out)
            D = G.reshape(d, l, g["c_out"], g["l_out"]) * dsig[:, None]     # dH/dZ_c
            Ap = self.Apad[c]
            s, dil, Lo = g["stride"], g["dilation"], g["l_out"]
            JW = np.empty((d, l, g["c_out"], g["c_in"], g["kernel"]))
            for t in range(g["kernel"]):
                start = t * dil
                sl = Ap[:, :, start:start + s * (Lo - 1) + 1:s]              # (d, c_in, l_out)
                JW[..., t] = np.matmul(D, np.swapaxes(sl, 1, 2)[:, None])   # (d, l, c_out, c_in)
            block = [JW.reshape(M, -1)]
            if b is not None:
                block.append(D.sum(axis=3).reshape(M, -1))
            cols.insert(0, np.concatenate(block, axis=1))
            if c > 0:
                G = _conv_backward(D.reshape(M, g["c_out"], Lo), W, g).reshape(M, -1)
        return np.concatenate(cols, axis=1)

    def gram(self):
        """(K, Kabs, m_round, underflow): J_conv J_conv^T plus the head's structured Gram."""
        K, Ka, m_head, ufl = self.head.gram()
        J = self.conv_jacobian()
        Ja = np.abs(J)
        # one more rounding for the sum of the two parts; J_conv J_conv^T: n_conv products per entry, each
        # with an underflow error of at most eta/2
        return K + J @ J.T, Ka + Ja @ Ja.T, max(m_head, self.n_conv) + 2, ufl + ETA * (self.n_conv + 1)

    def spectral_matrices(self):
        """The matrices whose 2-norms bound layers 2..L: kernel matrices W.reshape(out, -1), then dense W."""
        mats = [W.reshape(W.shape[0], -1) for W, _ in self.Wb] + [W for W, _ in self.head.Wb]
        return mats[1:self.L]

    def lipschitz_prep(self):
        for act in self.acts:
            if act.name not in SUP_D and act.coeffs is None:
                raise FormatError(f"no derivative bound for activation {act.name}")
        self.head
        norms = []
        for Z, g in zip(self.Z, self.convs):
            A = g["act"].f(Z).reshape(self.d, -1)
            norms.append((np.abs(Z).reshape(self.d, -1).max(axis=1), np.sqrt((A * A).sum(axis=1))))
        hz, ha = self.head.hidden_norms()
        zabs = [z for z, _ in norms] + hz
        anorm = [a for _, a in norms] + ha
        cols = []
        for (W, _) in (self.Wb + self.head.Wb)[1:self.L]:
            W3 = W if W.ndim == 3 else W[:, :, None]
            cols.append(float(np.sqrt((W3 * W3).sum(axis=(0, 2))).max()) * SAFETY)
        return lipschitz_prep_layers(self.acts, self.X, anorm, zabs, [g["units"] for g in self.geom],
                                     [g["bias"] for g in self.geom], cols, self.head.Wb[-1][0],
                                     mult=[g["mult"] for g in self.geom], npos=[g["npos"] for g in self.geom])
