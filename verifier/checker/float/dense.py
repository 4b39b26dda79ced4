"""Layered MLPs (model format ``verifier-mlp``) in the floating-point tier: reading, forward pass, Gram.

The structured layer formula K = sum_k (D_k D_k^T) * (A_{k-1} A_{k-1}^T + 1) for K = J J^T, with the
entrywise a-priori bound on its forming error (the same mathematics as the solver, written again here),
and :class:`DenseNet`, the network interface the rules use (shared with :class:`conv.ConvNet`).

Standard library, numpy and ``verifier.checker`` only.
"""

from __future__ import annotations

import numpy as np

from ..format import FormatError
from .numerics import ETA, SAFETY, SUP_D, Act, lipschitz_prep_layers

__all__ = ["read_model", "split_weights", "forward", "gram_structured", "gram_roundings", "DenseNet"]


def read_model(doc):
    """(p, l, [(out, bias, Act or None)]) from a model document, read strictly."""
    if not isinstance(doc, dict) or doc.get("format") != "verifier-mlp" or doc.get("version") != 1 \
            or set(doc) != {"format", "version", "p", "l", "layers"}:
        raise FormatError("instance.model is not a verifier-mlp version 1 document")
    p, l, layers = doc["p"], doc["l"], doc["layers"]
    if type(p) is not int or type(l) is not int or p < 1 or l < 1 or not isinstance(layers, list) \
            or not 1 <= len(layers) <= 64:
        raise FormatError("model p, l, layers malformed")
    out = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"out", "bias", "activation"} \
                or type(layer["out"]) is not int or layer["out"] < 1 or type(layer["bias"]) is not bool:
            raise FormatError(f"model layer {k + 1} malformed")
        last = k == len(layers) - 1
        if last:
            if layer["activation"] is not None or layer["out"] != l:
                raise FormatError("the last model layer must be linear with out = l")
            out.append((layer["out"], layer["bias"], None))
        else:
            out.append((layer["out"], layer["bias"], Act(layer["activation"])))
    return p, l, out


def split_weights(w, p, layers):
    out, off, prev = [], 0, p
    for o, bias, _ in layers:
        W = w[off:off + o * prev].reshape(o, prev)
        off += o * prev
        b = None
        if bias:
            b = w[off:off + o]
            off += o
        out.append((W, b))
        prev = o
    return out


def forward(Wb, layers, X):
    Zs, A = [], X
    for k, ((W, b), (_, _, act)) in enumerate(zip(Wb, layers)):
        Z = A @ W.T
        if b is not None:
            Z = Z + b
        if act is None:
            return Zs, Z
        Zs.append(Z)
        A = act.f(Z)
    raise FormatError("no output layer")  # pragma: no cover


def gram_roundings(p, layers) -> int:
    """The roundings per term of :func:`gram_structured` (its ``m_round``), from the layer shapes alone."""
    out, prev = 0, p
    for o, _, _ in layers:
        out = max(out, o + prev + 2 + len(layers))
        prev = o
    return out


def gram_structured(Wb, layers, X, chunk=4096):
    """(K, Kabs, m_round, underflow) by the structured formula, float64.

    Columns of each layer are processed ``chunk`` at a time, so that besides the
    pre-activations only one d*l x width array (the back-propagated D before sigma')
    is held at once.
    """
    d = X.shape[0]
    l = layers[-1][0]
    M = d * l
    Zs, _ = forward(Wb, layers, X)
    K = np.zeros((M, M))
    Ka = np.zeros_like(K)
    Gpre = None                            # D_k before the factor sigma'(Z_k); None for the output layer
    m_round, ufl = 0, 0.0
    L1 = len(layers)
    for k in range(L1, 0, -1):
        W, b = Wb[k - 1]
        wk, wprev = W.shape
        Q = np.zeros((d, d))
        Qa = np.zeros((d, d))
        P = np.zeros((M, M)) if Gpre is not None else None
        Pa = np.zeros((M, M)) if Gpre is not None else None
        nxt = np.zeros((M, wprev)) if k > 1 else None
        for c0 in range(0, wprev, chunk):
            A = X[:, c0:c0 + chunk] if k == 1 else layers[k - 2][2].f(Zs[k - 2][:, c0:c0 + chunk])
            Q += A @ A.T
            Aa = np.abs(A)
            Qa += Aa @ Aa.T
        for c0 in range(0, wk, chunk):
            if Gpre is None:                   # output layer: D[(i, o), o'] = delta_{o o'}
                G = np.tile(np.eye(l), (d, 1))[:, c0:c0 + chunk]
            else:
                dsig = layers[k - 1][2].df(Zs[k - 1][:, c0:c0 + chunk])
                G = (Gpre[:, c0:c0 + chunk].reshape(d, l, -1) * dsig[:, None, :]).reshape(M, -1)
                P += G @ G.T
                Ga = np.abs(G)
                Pa += Ga @ Ga.T
            if nxt is not None:
                nxt += G @ W[c0:c0 + chunk]
        if b is not None:
            Q += 1.0
            Qa += 1.0
        if P is None:
            eye = np.eye(l)
            K += (Q[:, None, :, None] * eye[None, :, None, :]).reshape(M, M)
            Ka += (Qa[:, None, :, None] * eye[None, :, None, :]).reshape(M, M)
            pmax = 1.0
        else:
            K += (P.reshape(d, l, d, l) * Q[:, None, :, None]).reshape(M, M)
            Ka += (Pa.reshape(d, l, d, l) * Qa[:, None, :, None]).reshape(M, M)
            pmax = float(Pa.max())
        del P, Pa
        m_round = max(m_round, wk + wprev + 2 + L1)
        ufl += 2.0 * ETA * (wk * (float(Qa.max()) + 1.0) + wprev * pmax + 1.0)
        Gpre = nxt
    return K, Ka, m_round, ufl


class DenseNet:
    """A layered MLP at the stored weights, for the rules (``rules.py``).

    Interface shared with :class:`conv.ConvNet`: ``acts`` (hidden activations),
    ``L`` (hidden layers), :meth:`output`, :meth:`gram`, :meth:`spectral_matrices`
    (the matrices whose 2-norms the certificate bounds, layers 2..L) and
    :meth:`lipschitz_prep`.
    """

    def __init__(self, p, l, layers, w, X):
        self.p, self.l, self.layers, self.X = p, l, layers, X
        self.Wb = split_weights(w, p, layers)
        self.acts = [act for _, _, act in layers[:-1]]
        self.L = len(layers) - 1
        self._fwd = None

    @property
    def Zs(self):
        """Pre-activations of the hidden layers (computed on first use: relu has no values here)."""
        if self._fwd is None:
            self._fwd = forward(self.Wb, self.layers, self.X)
        return self._fwd[0]

    def output(self):
        self.Zs
        return self._fwd[1]

    def gram(self):
        return gram_structured(self.Wb, self.layers, self.X)

    def spectral_matrices(self):
        return [self.Wb[k][0] for k in range(1, self.L)]

    def hidden_norms(self):
        """(zabs, anorm) per hidden layer: max |z_kj| and |a_k| per sample."""
        zabs, anorm = [], []
        for Z, act in zip(self.Zs, self.acts):
            A = act.f(Z)
            zabs.append(np.abs(Z).max(axis=1))
            anorm.append(np.sqrt((A * A).sum(axis=1)))
        return zabs, anorm

    def lipschitz_prep(self):
        for act in self.acts:
            if act.name not in SUP_D and act.coeffs is None:
                raise FormatError(f"no derivative bound for activation {act.name}")
        zabs, anorm = self.hidden_norms()
        cols = [float(np.sqrt((self.Wb[k][0] ** 2).sum(axis=0)).max()) * SAFETY for k in range(1, self.L)]
        return lipschitz_prep_layers(self.acts, self.X, anorm, zabs, [o for o, _, _ in self.layers],
                                     [bias for _, bias, _ in self.layers], cols, self.Wb[-1][0])
