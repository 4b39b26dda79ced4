r"""Conv1d networks in the floating-point tier: model document, torch model, Gram matrix.

A *Conv1d network* is one or more ``nn.Conv1d`` layers (each followed by a smooth
activation), the channel-major flattening of the last one (``nn.Flatten``), and a
layered MLP head ending in a linear layer. Its model document::

    {"format": "verifier-conv1d", "version": 1, "input": [C, Lx], "l": 1,
     "layers": [{"type": "conv1d", "channels": 8, "kernel": 5, "stride": 1, "padding": 2,
                 "dilation": 1, "bias": true, "activation": "tanh"},
                {"type": "linear", "out": 16, "bias": true, "activation": "tanh"},
                {"type": "linear", "out": 1, "bias": true, "activation": null}]}

A sample x (p = C * Lx numbers) is read as a (C, Lx) array, row-major (channel by
channel). Convolutions use zero padding on both sides, groups = 1. The canonical flat
parameter order is torch's: per layer the weight row-major (conv: channels_out x
channels_in x kernel) and then the bias.

Gram matrix (shared weights)
----------------------------
A convolution applies each kernel weight at every output position, so the structured
layer formula of :mod:`core` does not cover it. K = J J^T splits by parameter blocks:
K = J_conv J_conv^T + K_head, where K_head is the structured Gram of the MLP head at its
input (the flattened conv features, :meth:`TorchMLP.gram_structured`) and J_conv
(m x n_conv) holds the per-sample Jacobians of the outputs with respect to the conv
parameters. J_conv comes from ``torch.func``: ``vmap`` over samples (chunked) of
``jacrev`` with respect to the conv parameters only, so only m * n_conv numbers are held;
convolution layers share their weights and have few of them. The head's weights may be
millions: they never enter a per-sample Jacobian.

Lipschitz geometry of a convolution
-----------------------------------
Write T(W) for the linear map a -> conv(a, W) on the flattened activations and W2 for
the kernel as a (channels_out) x (channels_in * kernel) matrix. With U(a) the unfolded
input (one column per output position), T(W) a = W2 U(a) and ||U(a)||_F^2 = sum_j
c_j a_j^2 <= mult ||a||^2, where c_j counts the (position, tap) pairs that read input
entry j and ``mult`` = max c_j <= kernel. Hence

* ||T(dW) a + expand(db)|| <= ||(dW, db)||_F sqrt(mult ||a||^2 + L_out) (the bias is added
  at each of the L_out positions);
* ||T(W)||_2 <= sqrt(mult) ||W2||_2 (``spectral_norm_upper`` proves ||W2||_2 <= t);
* every column of T(W) holds each kernel weight at most once, so its norm is at most
  max over input channels c of sqrt(sum_{o,t} W[o, c, t]^2).

:func:`verify.hessian_bounds` takes these per-layer factors (``mult``, ``npos`` = L_out)
and is otherwise the MLP recursion; a dense layer has mult = npos = 1.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import InputError
from .core import ETA, ModelBase, TorchMLP, forward_norms, pinned_threads
from .layers import act_spec, check_linear_layer

CONV_FORMAT = "verifier-conv1d"
CONV_KEYS = {"type", "channels", "kernel", "stride", "padding", "dilation", "bias", "activation"}
LINEAR_KEYS = {"type", "out", "bias", "activation"}
MAX_SIDE = 10**6


def out_length(L_in, kernel, stride, padding, dilation) -> int:
    """Output length of a Conv1d (torch's formula); < 1 when the kernel does not fit."""
    return (L_in + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def multiplicity(L_in, L_out, kernel, stride, padding, dilation) -> int:
    """max over input positions j of #{(pos, t): pos*stride + t*dilation - padding = j} (<= kernel)."""
    counts = np.zeros(L_in, dtype=np.int64)
    pos = np.arange(L_out)
    for t in range(kernel):
        j = pos * stride + t * dilation - padding
        j = j[(j >= 0) & (j < L_in)]
        counts[j] += 1
    return int(counts.max()) if L_in else 0


def geometry(doc) -> list[dict]:
    """Per layer: kind, in/out shapes, units, mult, npos, number of weights (doc already checked)."""
    C, L = doc["input"]
    out = []
    for layer in doc["layers"]:
        if layer["type"] == "conv1d":
            k, s, pad, dil = layer["kernel"], layer["stride"], layer["padding"], layer["dilation"]
            Lo = out_length(L, k, s, pad, dil)
            g = {"kind": "conv1d", "c_in": C, "l_in": L, "c_out": layer["channels"], "l_out": Lo, "kernel": k,
                 "stride": s, "padding": pad, "dilation": dil, "units": layer["channels"] * Lo,
                 "mult": multiplicity(L, Lo, k, s, pad, dil), "npos": Lo,
                 "n_w": layer["channels"] * C * k, "bias": layer["bias"]}
            C, L = layer["channels"], Lo
        else:
            fan_in = out[-1]["units"] if out else C * L
            g = {"kind": "linear", "in": fan_in, "out": layer["out"], "units": layer["out"], "mult": 1, "npos": 1,
                 "n_w": layer["out"] * fan_in, "bias": layer["bias"]}
        g["n"] = g["n_w"] + (g["c_out"] if g["kind"] == "conv1d" and g["bias"] else
                             g["out"] if g["kind"] == "linear" and g["bias"] else 0)
        out.append(g)
    return out


def check_conv_doc(doc) -> dict:
    """Validate a Conv1d model document strictly; returns it unchanged (raises InputError)."""
    if not isinstance(doc, dict) or doc.get("format") != CONV_FORMAT or doc.get("version") != 1:
        raise InputError(f"not a {CONV_FORMAT} version 1 document")
    if set(doc) != {"format", "version", "input", "l", "layers"}:
        raise InputError("a Conv1d model document has exactly the keys format, version, input, l, layers")
    inp, l, layers = doc["input"], doc["l"], doc["layers"]
    if not isinstance(inp, list) or len(inp) != 2 or any(type(v) is not int or not 1 <= v <= MAX_SIDE for v in inp):
        raise InputError("model input must be [channels, length], positive integers")
    if type(l) is not int or not 1 <= l <= 10**4:
        raise InputError("model l must be a positive integer")
    if not isinstance(layers, list) or not 2 <= len(layers) <= 64:
        raise InputError("a Conv1d model has 2 to 64 layers (at least one conv1d and the linear output)")
    C, L = inp
    seen_linear, work = False, 0
    for k, layer in enumerate(layers):
        last = k == len(layers) - 1
        if not isinstance(layer, dict) or layer.get("type") not in ("conv1d", "linear"):
            raise InputError(f"layer {k + 1}: type must be \"conv1d\" or \"linear\"")
        if layer["type"] == "conv1d":
            if set(layer) != CONV_KEYS:
                raise InputError(f"conv1d layer {k + 1} must have exactly {', '.join(sorted(CONV_KEYS))}")
            if seen_linear:
                raise InputError(f"layer {k + 1}: conv1d layers come before the linear layers")
            vals = [layer[key] for key in ("channels", "kernel", "stride", "dilation")]
            if any(type(v) is not int or not 1 <= v <= 4096 for v in vals) or type(layer["padding"]) is not int \
                    or not 0 <= layer["padding"] <= 4096 or type(layer["bias"]) is not bool:
                raise InputError(f"conv1d layer {k + 1}: channels, kernel, stride, dilation must be integers in "
                                 "1..4096, padding in 0..4096, bias a boolean")
            Lo = out_length(L, layer["kernel"], layer["stride"], layer["padding"], layer["dilation"])
            if Lo < 1:
                raise InputError(f"conv1d layer {k + 1}: the kernel does not fit the input of length {L}")
            if last or layer["activation"] is None:
                raise InputError(f"conv1d layer {k + 1} needs an activation and a linear layer after it")
            act_spec(layer["activation"])
            work += layer["kernel"] * Lo
            if C * (L + 2 * layer["padding"]) > 10**8:
                raise InputError(f"conv1d layer {k + 1}: the padded input is too large")
            C, L = layer["channels"], Lo
            if C * L > 10**7 or work > 10**8:
                raise InputError(f"conv1d layer {k + 1} has more than 10^7 units (or sum of kernel * length > 10^8)")
        else:
            if set(layer) != LINEAR_KEYS:
                raise InputError(f"linear layer {k + 1} must have exactly {', '.join(sorted(LINEAR_KEYS))}")
            if k == 0:
                raise InputError("a Conv1d model starts with a conv1d layer (use the verifier-mlp format otherwise)")
            check_linear_layer(layer, k, last, l)
            seen_linear = True
    return doc


def conv_n_params(doc) -> int:
    return sum(g["n"] for g in geometry(doc))


class TorchConv1dNet(ModelBase):
    """A Conv1d network (module docstring) as a torch function of the flat parameter vector.

    Attributes: ``geom`` (per layer, :func:`geometry`), ``n_conv`` (number of conv
    parameters, the first ones in the flat order), ``head`` (a :class:`TorchMLP` over
    the flat vector for the linear layers, reading the flattened conv features).
    """

    def __init__(self, doc, dtype=torch.float64, device="cpu"):
        check_conv_doc(doc)
        self.doc, self.dtype, self.device = doc, dtype, device
        self.geom = geometry(doc)
        self.l = doc["l"]
        self.p = doc["input"][0] * doc["input"][1]
        self.n = sum(g["n"] for g in self.geom)
        self.conv, off, acts = [], 0, []
        for g, layer in zip(self.geom, doc["layers"]):
            if g["kind"] != "conv1d":
                break
            wsl = slice(off, off + g["n_w"])
            off += g["n_w"]
            bsl = None
            if g["bias"]:
                bsl = slice(off, off + g["c_out"])
                off += g["c_out"]
            self.conv.append((g, wsl, bsl))
            acts.append(act_spec(layer["activation"])[1])
        self.n_conv = off
        self.conv_act_specs = acts
        from .core import torch_activation
        self.conv_acts = [torch_activation(a) for a in acts]
        head_geom = self.geom[len(self.conv):]
        widths = [self.conv[-1][0]["units"]] + [g["out"] for g in head_geom]
        widx, bidx, hacts = [], [], []
        for k, (g, layer) in enumerate(zip(head_geom, doc["layers"][len(self.conv):])):
            widx.append(torch.arange(off, off + g["n_w"]).reshape(g["out"], g["in"]))
            off += g["n_w"]
            if g["bias"]:
                bidx.append(torch.arange(off, off + g["out"]))
                off += g["out"]
            else:
                bidx.append(None)
            if k < len(head_geom) - 1:
                hacts.append(act_spec(layer["activation"])[1])
        self.head = TorchMLP(None, widths, widx, bidx, hacts, dtype, device, n=self.n, p=widths[0], l=self.l)
        self.act_specs = acts + hacts              # every hidden layer, conv ones first
        self.n_layers = len(self.geom)

    # -- parameters
    def weights(self, w):
        """``[(W_k, b_k or None)]`` for every layer: conv kernels (c_out, c_in, kernel), dense (out, in)."""
        out = []
        for g, wsl, bsl in self.conv:
            out.append((w[wsl].reshape(g["c_out"], g["c_in"], g["kernel"]), None if bsl is None else w[bsl]))
        return out + self.head.weights(w)

    def _conv_pass(self, wc, X, keep=False):
        """Flattened conv features (d, units); with ``keep`` also the pre-activations per conv layer."""
        g0 = self.conv[0][0]
        A = X.reshape(X.shape[0], g0["c_in"], g0["l_in"])
        Zs = []
        for (g, wsl, bsl), (f, _) in zip(self.conv, self.conv_acts):
            W = wc[wsl].reshape(g["c_out"], g["c_in"], g["kernel"])
            b = None if bsl is None else wc[bsl]
            Z = torch.nn.functional.conv1d(A, W, b, stride=g["stride"], padding=g["padding"],
                                           dilation=g["dilation"])
            if keep:
                Zs.append(Z.reshape(Z.shape[0], -1))
            A = f(Z)
        A = A.reshape(A.shape[0], -1)
        return (A, Zs) if keep else A

    def features(self, w, X):
        """The head's input: the flattened output of the last conv layer, (d, units)."""
        return self._conv_pass(self._t(w), self._t(X))

    def predict(self, w, X):
        """Network outputs, shape (d, l)."""
        return self.head.predict(w, self._conv_pass(w, X))

    # -- per-sample Jacobian of the conv parameters
    @torch.no_grad()
    def conv_jacobian(self, w, X, *, max_entries=2**24):
        """J_conv (l*d x n_conv), point-major rows: torch.func vmap(jacrev), chunked over samples.

        The chunk holds at most about ``max_entries`` numbers of per-sample Jacobians.
        """
        w, X = self._t(w), self._t(X)
        wc = w[:self.n_conv]
        head = self.head

        def one(wc_, x):
            return head.predict(w, self._conv_pass(wc_, x[None]))[0]     # (l,)
        units = max(g["units"] for g in self.geom)
        chunk = max(1, min(X.shape[0], max_entries // max(1, self.l * (self.n_conv + units))))
        jac = torch.func.vmap(torch.func.jacrev(one), in_dims=(None, 0), chunk_size=chunk)
        return jac(wc, X).reshape(-1, self.n_conv)

    @pinned_threads(blas=1)
    def gram_structured(self, w, X, *, chunk=4096, with_abs=False):
        """K = J J^T = J_conv J_conv^T + K_head (module docstring); never forms the head's Jacobian.

        With ``with_abs`` also ``Kabs`` (|J_conv||J_conv|^T plus the head's), ``m`` (roundings
        per term) and ``underflow``, as :meth:`TorchMLP.gram_structured`: the computed
        J_conv is a factor, like D_k and A_(k-1) there (its own rounding is not covered).
        """
        w, X = self._t(w), self._t(X)
        with torch.no_grad():
            feats = self._conv_pass(w, X)
        head = self.head.gram_structured(w, feats, chunk=chunk, with_abs=with_abs)
        J = self.conv_jacobian(w, X)
        Kc = J @ J.T
        if not with_abs:
            return head + Kc
        K, Ka, m_head, ufl = head
        Ja = J.abs()
        # one more rounding for the sum of the two parts; J_conv J_conv^T: n_conv products, summed
        m_round = max(m_head, self.n_conv) + 2
        return K + Kc, Ka + Ja @ Ja.T, m_round, ufl + ETA * (self.n_conv + 1)

    def gram(self, w, X):
        return self.gram_structured(w, X)

    # -- what the Lipschitz bound needs
    @torch.no_grad()
    def forward_norms(self, w, X):
        """``(anorm, zabs)`` per hidden layer (conv layers first), as :func:`verify.forward_norms`."""
        w, X = self._t(w), self._t(X)
        feats, Zs = self._conv_pass(w[:self.n_conv], X, keep=True)
        anorm, zabs = [], []
        for Z, (f, _) in zip(Zs, self.conv_acts):
            zabs.append(Z.abs().amax(dim=1).cpu().numpy())
            A = f(Z)
            anorm.append(torch.sqrt((A * A).sum(dim=1)).cpu().numpy())
        ha, hz = forward_norms(self.head, w, feats)
        return anorm + ha, zabs + hz

    def lipschitz_geometry(self):
        """Per layer ``(mult, npos, units)`` for :func:`verify.lipschitz_data`."""
        return [(g["mult"], g["npos"], g["units"]) for g in self.geom]


# ---------------------------------------------------------------------------- from torch modules


def plain_module(m, cls) -> bool:
    """``m`` is a ``cls`` whose forward is ``cls.forward`` and that has no forward hooks.

    A subclass that overrides ``forward`` (or a hook) computes something else than the
    layer the model document would describe, so it is not accepted as ``cls``.
    """
    return isinstance(m, cls) and type(m).forward is cls.forward and not m._forward_hooks \
        and not m._forward_pre_hooks


def _padding(m):
    if isinstance(m.padding, str):
        if m.padding == "valid":
            return 0
        total = m.dilation[0] * (m.kernel_size[0] - 1)
        if total % 2:
            raise InputError("nn.Conv1d(padding='same') with an odd total padding pads asymmetrically; "
                             "give an integer padding")
        return total // 2
    return int(m.padding[0])


def conv_from_modules(mods, p, act_of):
    """(model document, canonical float64 weights) for a flattened list of modules starting with Conv1d.

    ``p`` is the number of inputs per sample (the data's columns; the length is p / channels);
    ``act_of`` maps an activation module to its document entry (None if unsupported).
    """
    nn = torch.nn
    first = mods[0]
    if p is None or p % first.in_channels:
        raise InputError(f"the data's {p} input columns are not a multiple of the first Conv1d's "
                         f"{first.in_channels} input channels")
    C, L = first.in_channels, p // first.in_channels
    doc_layers, chunks, pending, flat, fan = [], [], None, False, None
    for m in mods:
        if plain_module(m, nn.Conv1d):
            if flat:
                raise InputError("nn.Conv1d after nn.Flatten/nn.Linear is not supported")
            if doc_layers:
                if pending is None:
                    raise InputError("each nn.Conv1d must be followed by an activation module")
                doc_layers[-1]["activation"] = pending
            if m.groups != 1 or m.padding_mode != "zeros":
                raise InputError("nn.Conv1d with groups != 1 or padding_mode other than 'zeros' is not supported")
            if m.in_channels != C:
                raise InputError(f"nn.Conv1d({m.in_channels}, ...) does not match the {C} channels before it")
            layer = {"type": "conv1d", "channels": m.out_channels, "kernel": m.kernel_size[0],
                     "stride": m.stride[0], "padding": _padding(m), "dilation": m.dilation[0],
                     "bias": m.bias is not None, "activation": None}
            L = out_length(L, layer["kernel"], layer["stride"], layer["padding"], layer["dilation"])
            if L < 1:
                raise InputError(f"nn.Conv1d (kernel {layer['kernel']}) does not fit the input length")
            C = m.out_channels
            doc_layers.append(layer)
            pending = None
        elif plain_module(m, nn.Flatten):
            if flat or not doc_layers or m.start_dim != 1 or m.end_dim != -1:
                raise InputError("nn.Flatten() (start_dim=1) goes once, after the last nn.Conv1d and its activation")
            flat, fan = True, C * L
            continue
        elif plain_module(m, nn.Linear):
            if not flat:
                raise InputError("an nn.Flatten() must come between the last nn.Conv1d and the first nn.Linear")
            if pending is None and doc_layers[-1]["type"] == "conv1d":
                raise InputError("each nn.Conv1d must be followed by an activation module")
            doc_layers[-1]["activation"] = pending if pending is not None else "identity"
            if m.in_features != fan:
                raise InputError(f"nn.Linear({m.in_features}, ...) does not match the {fan} features before it")
            doc_layers.append({"type": "linear", "out": m.out_features, "bias": m.bias is not None,
                               "activation": None})
            fan, pending = m.out_features, None
        else:
            act = act_of(m)
            if act is None:
                raise InputError(f"unsupported module {type(m).__name__} in a Conv1d model (Conv1d, activations, "
                                 "Flatten, Linear)")
            if pending is not None:
                raise InputError("one activation per layer")
            pending = act
            continue
        chunks.append(m.weight.detach().to(torch.float64).cpu().reshape(-1).numpy())
        if m.bias is not None:
            chunks.append(m.bias.detach().to(torch.float64).cpu().numpy())
    if pending is not None or doc_layers[-1]["type"] != "linear":
        raise InputError("the model must end with an nn.Linear (a linear output layer)")
    doc = {"format": CONV_FORMAT, "version": 1, "input": [first.in_channels, p // first.in_channels],
           "l": doc_layers[-1]["out"], "layers": doc_layers}
    check_conv_doc(doc)
    return doc, np.concatenate(chunks)


# ---------------------------------------------------------------------------- from verifier Networks


def from_conv_network(net, w=None):
    """(Conv1d model document, canonical weights or None) of a one-convolution verifier Network.

    Recognises, by structure alone (label names do not matter), what
    :func:`verifier.network.conv1d` builds: inputs, one hidden generation in which every
    node reads a window of k consecutive inputs (stride s, no padding) with a kernel's
    labels, nodes with the same kernel forming a channel that shares one bias label (or
    none), and linear outputs that read every hidden node with labels of their own. ``w``
    is in the network's label order. Raises InputError for any other network.
    """
    gens = net.generations()
    bad = InputError("not a one-layer convolution network (as verifier.network.conv1d builds)")
    if len(gens) != 3 or set(gens[0]) != set(net.inputs) or set(gens[2]) != set(net.outputs):
        raise bad
    pos = {u: j for j, u in enumerate(net.inputs)}
    index = net.node_index()
    hidden = sorted(gens[1], key=index.__getitem__)
    channels, k, acts = {}, None, set()
    for v in hidden:
        edges = sorted(net.in_edges(v), key=lambda e: pos[e[0]])
        srcs = [pos[u] for u, _ in edges]
        if not srcs or srcs != list(range(srcs[0], srcs[0] + len(srcs))) or (k is not None and len(srcs) != k):
            raise bad
        k = len(srcs)
        kern = tuple(lab for _, lab in edges)
        channels.setdefault(kern, []).append((srcs[0], v))
        acts.add(net.node_activation(v))
    if len(acts) != 1:
        raise bad
    starts = None
    for kern, nodes in channels.items():
        st = sorted(t for t, _ in nodes)
        if starts is None:
            starts = st
        if st != starts or len(set(kern)) != k:
            raise bad
    stride = starts[1] - starts[0] if len(starts) > 1 else 1
    if starts[0] != 0 or starts != list(range(0, stride * len(starts), stride)) \
            or out_length(net.p, k, stride, 0, 1) != len(starts):
        raise bad
    kerns = list(channels)
    biases = []
    for kern in kerns:
        labs = {net.bias(v) for _, v in channels[kern]}
        if len(labs) != 1:
            raise bad
        biases.append(labs.pop())
    has_b = biases[0] is not None
    if any((b is not None) != has_b for b in biases):
        raise bad
    order = [v for kern in kerns for _, v in sorted(channels[kern])]      # channel-major, then position
    col = {v: j for j, v in enumerate(order)}
    out_labels, out_bias = [], []
    for o in net.outputs:
        edges = net.in_edges(o)
        if len(edges) != len(order) or {u for u, _ in edges} != set(order):
            raise bad
        row = [None] * len(order)
        for u, lab in edges:
            row[col[u]] = lab
        out_labels.append(row)
        out_bias.append(net.bias(o))
    if len({b is None for b in out_bias}) != 1:
        raise bad
    used = [lab for kern in kerns for lab in kern] + ([b for b in biases] if has_b else []) \
        + [lab for row in out_labels for lab in row] + ([b for b in out_bias] if out_bias[0] is not None else [])
    if len(used) != len(set(used)) or set(used) != set(net.labels):
        raise InputError("not a one-layer convolution network: some label is shared across kernels, channels or "
                         "outputs")
    doc = {"format": CONV_FORMAT, "version": 1, "input": [1, net.p], "l": net.l,
           "layers": [{"type": "conv1d", "channels": len(kerns), "kernel": k, "stride": stride, "padding": 0,
                       "dilation": 1, "bias": has_b, "activation": acts.pop().to_json()},
                      {"type": "linear", "out": net.l, "bias": out_bias[0] is not None, "activation": None}]}
    check_conv_doc(doc)
    if w is None:
        return doc, None
    w = np.asarray(w, dtype=np.float64)
    at = {lab: j for j, lab in enumerate(net.labels)}
    canon = [lab for kern in kerns for lab in kern] + (biases if has_b else []) \
        + [lab for row in out_labels for lab in row] + (out_bias if out_bias[0] is not None else [])
    return doc, w[[at[lab] for lab in canon]]


def canonical_labels(net):
    """The labels of a one-convolution Network in the canonical flat order of its Conv1d document."""
    doc, _ = from_conv_network(net)
    order = from_conv_network(net, np.arange(net.n, dtype=np.float64))[1]
    return doc, [net.labels[int(j)] for j in order]


__all__ = ["CONV_FORMAT", "TorchConv1dNet", "canonical_labels", "check_conv_doc", "conv_from_modules",
           "from_conv_network", "geometry", "multiplicity", "out_length", "conv_n_params"]
