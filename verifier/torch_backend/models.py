"""Layered MLPs for the floating-point tier: the model document, torch modules, user files.

A layered MLP is described by a small JSON document (the *model document*)::

    {"format": "verifier-mlp", "version": 1, "p": 20, "l": 1,
     "layers": [{"out": 5000, "bias": true, "activation": "tanh"},
                {"out": 1, "bias": true, "activation": null}]}

Layer k computes ``Z_k = A_{k-1} W_k^T + b_k``, ``A_k = sigma_k(Z_k)``; the last
layer is linear (``activation`` null). The flat parameter vector lists, layer by
layer, ``W_k`` row-major (``out x in``) and then ``b_k``: the *canonical order*.
Certificates of the floating-point tier store that vector, the inputs and the
targets in a sidecar ``.npz`` (no pickles) beside the JSON.

Conv1d networks (``nn.Conv1d`` layers, ``nn.Flatten``, an MLP head) have a model
document of their own, format ``verifier-conv1d`` (:mod:`conv`); the functions here
(:func:`check_model_doc`, :func:`n_params`, :func:`describe`, :func:`model_from_doc`)
accept both.

User input: ``--torch-model FILE.py:build`` imports the user's own file (it is
code, run as such) and calls ``build()``, which returns a ``torch.nn.Module``
(``nn.Sequential`` of ``nn.Linear`` and supported activations, nested Sequentials
allowed, or of ``nn.Conv1d``, activations, ``nn.Flatten`` and ``nn.Linear``) or a
verifier ``Network``. Data files are data: ``.npz``/``.npy`` are
read with ``allow_pickle=False``, ``.pt`` only with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys

import numpy as np
import torch

from ..activations import activation_from_json
from ..data import MAX_ARRAY_BYTES, read_npy, read_npz
from ..errors import InputError
from .conv import (CONV_FORMAT, TorchConv1dNet, check_conv_doc, conv_from_modules, conv_n_params,
                   plain_module)
from .core import TorchMLP
from .layers import NON_SMOOTH, SMOOTH_NAMES, act_spec, check_linear_layer  # noqa: F401 - part of this module's interface

MODEL_FORMAT = "verifier-mlp"
class SmooLU(torch.nn.Module):
    """Cooper's smooLU sigma(t) = t exp(-1/t) for t > 0, 0 otherwise, as a torch module."""

    def forward(self, t):
        from .core import smoolu
        return smoolu(t)


class Polynomial(torch.nn.Module):
    """A polynomial activation ``sum_k c_k t^k``; ``coefficients`` as exact strings or numbers."""

    def __init__(self, coefficients):
        super().__init__()
        self.spec = {"name": "polynomial", "coefficients": [str(c) for c in coefficients]}
        self._f = None

    def forward(self, t):
        if self._f is None:
            from .core import torch_activation
            self._f = torch_activation(activation_from_json(self.spec))[0]
        return self._f(t)


# ---------------------------------------------------------------------------- documents


def check_model_doc(doc) -> dict:
    """Validate a model document (an MLP, or a Conv1d network) strictly; returns it unchanged (raises InputError)."""
    if isinstance(doc, dict) and doc.get("format") == CONV_FORMAT:
        return check_conv_doc(doc)
    if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT or doc.get("version") != 1:
        raise InputError(f"not a {MODEL_FORMAT} version 1 document")
    if set(doc) != {"format", "version", "p", "l", "layers"}:
        raise InputError("a model document has exactly the keys format, version, p, l, layers")
    p, l, layers = doc["p"], doc["l"], doc["layers"]
    if type(p) is not int or type(l) is not int or not 1 <= p <= 10**6 or not 1 <= l <= 10**4:
        raise InputError("model p and l must be positive integers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= 64:
        raise InputError("model layers must be a list of 1 to 64 layers")
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"out", "bias", "activation"}:
            raise InputError(f"layer {k + 1} must have exactly out, bias, activation")
        check_linear_layer(layer, k, k == len(layers) - 1, l)
    return doc


def n_inputs(doc) -> int:
    """p, the number of inputs per sample (a Conv1d model: channels * length)."""
    if doc["format"] == CONV_FORMAT:
        return doc["input"][0] * doc["input"][1]
    return doc["p"]


def n_params(doc) -> int:
    if doc["format"] == CONV_FORMAT:
        return conv_n_params(doc)
    n, prev = 0, doc["p"]
    for layer in doc["layers"]:
        n += layer["out"] * prev + (layer["out"] if layer["bias"] else 0)
        prev = layer["out"]
    return n


def describe(doc) -> str:
    """The network's name in a summary: the checker's rendering, which it requires."""
    from ..checker.float.tier import model_description
    return model_description(doc)


def smooth(doc) -> list:
    """Per hidden layer: (name, smooth?)."""
    out = []
    for layer in doc["layers"][:-1]:
        js, act, ok = act_spec(layer["activation"])
        out.append((js if isinstance(js, str) else act.name, ok))
    return out


def model_from_doc(doc, dtype=torch.float64, device="cpu"):
    """A :class:`TorchMLP` (or :class:`conv.TorchConv1dNet`) over the canonical flat order of ``doc``.

    Raises InputError when a hidden activation is not smooth.
    """
    check_model_doc(doc)
    if doc["format"] == CONV_FORMAT:
        for js, ok in smooth(doc):
            if not ok:
                raise InputError(f"activation {js!r} is not smooth: the torch backend needs C^2 activations")
        return TorchConv1dNet(doc, dtype=dtype, device=device)
    widths, widx, bidx, acts = [doc["p"]], [], [], []
    off = 0
    for k, layer in enumerate(doc["layers"]):
        o, i = layer["out"], widths[-1]
        widx.append(torch.arange(off, off + o * i).reshape(o, i))
        off += o * i
        if layer["bias"]:
            bidx.append(torch.arange(off, off + o))
            off += o
        else:
            bidx.append(None)
        if k < len(doc["layers"]) - 1:
            js, act, ok = act_spec(layer["activation"])
            if not ok:
                raise InputError(f"activation {js!r} is not smooth: the torch backend needs C^2 activations")
            acts.append(act)
        widths.append(o)
    return TorchMLP(None, widths, widx, bidx, acts, dtype, device, n=off, p=doc["p"], l=doc["l"])


# ---------------------------------------------------------------------------- conversions


def _module_activation(m):
    nn = torch.nn
    if plain_module(m, nn.Tanh):
        return "tanh"
    if plain_module(m, nn.Sigmoid):
        return "sigmoid"
    if plain_module(m, nn.Softplus):
        if m.beta != 1:
            raise InputError("nn.Softplus with beta != 1 is not supported (use beta=1)")
        if m.threshold < 20:
            raise InputError("nn.Softplus with threshold < 20 is not supported: it is the identity above the "
                             "threshold, far from log(1 + e^t)")
        return "softplus"
    if plain_module(m, SmooLU):
        return "smoolu"
    if plain_module(m, Polynomial):
        return m.spec
    if plain_module(m, nn.Identity):
        return "identity"
    if plain_module(m, nn.ReLU):
        return "relu"
    return None


def _flatten_modules(module):
    if plain_module(module, torch.nn.Sequential):
        out = []
        for m in module:
            out.extend(_flatten_modules(m))
        return out
    return [module]


# outputs of build()'s module and of the model document may differ by this much (relative) before the
# translation is refused: above float rounding and torch's Softplus threshold (e^-20), far below any
# misread layer
REPRODUCE_TOL = 1e-7


def check_reproduces(module, doc, w, X) -> float:
    """Run ``module`` on the data and compare with the model document's forward pass.

    Returns the largest difference; raises InputError when it exceeds ``REPRODUCE_TOL``
    (relative to 1 + max |output|; at least 1e4 ulps of the module's dtype), or when the
    module fails on the data. This catches what a translation by module types cannot see
    (global hooks, a module that does something else than its type says).
    """
    params = list(module.parameters())
    dt = params[0].dtype if params else torch.float64
    dev = params[0].device if params else torch.device("cpu")
    X = np.asarray(X, dtype=np.float64)
    Xt = torch.as_tensor(X, dtype=dt, device=dev)
    if doc["format"] == CONV_FORMAT:
        Xt = Xt.reshape(X.shape[0], *doc["input"])
    try:
        with torch.no_grad():
            out = module(Xt)
    except Exception as exc:   # the user's code: report its failure on one line
        raise InputError(f"the model fails on the data: {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:120] if str(exc) else ''}") from None
    if not isinstance(out, torch.Tensor):
        raise InputError(f"the model returns {type(out).__name__}, not a tensor")
    out = out.detach().to(torch.float64).cpu().reshape(X.shape[0], -1).numpy()
    with torch.no_grad():
        ref = model_from_doc(doc).predict(torch.as_tensor(w), torch.as_tensor(X)).numpy()
    if out.shape != ref.shape:
        raise InputError(f"the model's output has shape {out.shape}, its translation {ref.shape}")
    eps = float(torch.finfo(dt).eps) if dt.is_floating_point else 0.0
    tol = max(REPRODUCE_TOL, 1e4 * eps) * (1.0 + float(np.abs(ref).max(initial=0.0)))
    diff = float(np.abs(out - ref).max(initial=0.0)) if np.isfinite(out).all() else math.inf
    if not diff <= tol:
        raise InputError(f"the model document does not reproduce the module's outputs on the data (max difference "
                         f"{diff:.2e} > {tol:.1e}): a layer computes something its type does not say")
    return diff


def from_module(module, p=None, X=None) -> tuple[dict, np.ndarray]:
    """(model document, canonical float64 weights); with ``X`` also checked on the data.

    ``X`` (d, p): when given, ``p = X.shape[1]`` and :func:`check_reproduces` runs the
    module on X and refuses a translation that does not reproduce it.
    """
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
        p = X.shape[1]
    doc, w = _from_module(module, p)
    if X is not None:
        check_reproduces(module, doc, w, X)
    return doc, w


def _from_module(module, p=None) -> tuple[dict, np.ndarray]:
    """(model document, canonical float64 weights) of an ``nn.Sequential`` MLP or Conv1d network.

    Supported: ``nn.Linear`` layers with one activation module between consecutive
    ones (``nn.Tanh``, ``nn.Sigmoid``, ``nn.Softplus(beta=1)``, ``nn.Identity``,
    :class:`SmooLU`, :class:`Polynomial`; ``nn.ReLU`` only to be reported as not
    smooth), ending in ``nn.Linear``. Two Linears in a row get an identity
    activation between them. nn.Softplus is read as the exact log(1 + e^t) (torch's
    module switches to t above its threshold, a difference below 2e-9 there).

    A model that starts with ``nn.Conv1d`` is a Conv1d network (:mod:`conv`):
    Conv1d layers each followed by an activation, one ``nn.Flatten()``, then Linear
    layers as above. A convolution does not fix its input length: ``p``, the number of
    input columns of the data, gives it (length = p / in_channels).
    """
    if not isinstance(module, torch.nn.Module):
        raise InputError(f"build() returned {type(module).__name__}, not a torch.nn.Module or verifier Network")
    mods = _flatten_modules(module)
    if mods and plain_module(mods[0], torch.nn.Conv1d):
        return conv_from_modules(mods, p, _module_activation)
    if len(mods) == 1 and not plain_module(mods[0], torch.nn.Linear):
        raise InputError(f"{type(module).__name__} is not an nn.Sequential of nn.Linear and activations; "
                         "the floating-point tier supports layered MLPs")
    layers, chunks, pending = [], [], None
    p = None
    for m in mods:
        if plain_module(m, torch.nn.Linear):
            if layers:
                layers[-1]["activation"] = pending if pending is not None else "identity"
            elif pending is not None:
                raise InputError("the model starts with an activation before its first nn.Linear")
            if p is None:
                p = m.in_features
            elif m.in_features != layers[-1]["out"]:
                raise InputError(f"nn.Linear({m.in_features}, ...) does not match the previous width "
                                 f"{layers[-1]['out']}")
            layers.append({"out": m.out_features, "bias": m.bias is not None, "activation": None})
            chunks.append(m.weight.detach().to(torch.float64).cpu().reshape(-1).numpy())
            if m.bias is not None:
                chunks.append(m.bias.detach().to(torch.float64).cpu().numpy())
            pending = None
        else:
            act = _module_activation(m)
            if act is None:
                name = type(m).__name__
                hint = (" (nn.Conv1d layers must come first, each followed by an activation, then nn.Flatten "
                        "and nn.Linear layers)") if "Conv" in name or "Flatten" in name else ""
                raise InputError(f"unsupported module {name} in the model{hint}")
            if not layers or pending is not None:
                raise InputError("each activation must follow an nn.Linear (one activation per layer)")
            pending = act
    if pending is not None or not layers:
        raise InputError("the model must end with an nn.Linear (a linear output layer)")
    doc = {"format": MODEL_FORMAT, "version": 1, "p": p, "l": layers[-1]["out"], "layers": layers}
    check_model_doc(doc)
    return doc, np.concatenate(chunks)


def from_network(net, w=None) -> tuple[dict, np.ndarray | None]:
    """(model document, canonical weights) of a layered verifier Network (``w`` in label order).

    A network with shared weights is accepted when it is a one-layer convolution as
    :func:`verifier.network.conv1d` builds (:func:`conv.from_conv_network`).
    """
    try:
        mlp = TorchMLP.from_network(net)
    except InputError as exc:
        if "weight sharing" not in str(exc):
            raise
        from .conv import from_conv_network
        try:
            return from_conv_network(net, w)
        except InputError:
            raise InputError(f"{exc}; nor is it a one-layer convolution (verifier.network.conv1d): the torch "
                             "backend has no Gram path for other shared weights") from None
    layers = []
    for k, (Wi, bi) in enumerate(zip(mlp.widx, mlp.bidx)):
        act = None if k == len(mlp.widx) - 1 else mlp.act_specs[k].to_json()
        layers.append({"out": int(Wi.shape[0]), "bias": bi is not None, "activation": act})
    doc = {"format": MODEL_FORMAT, "version": 1, "p": net.p, "l": net.l, "layers": layers}
    check_model_doc(doc)
    if w is None:
        return doc, None
    w = np.asarray(w, dtype=np.float64)
    chunks = []
    for Wi, bi in zip(mlp.widx, mlp.bidx):
        chunks.append(w[Wi.reshape(-1).numpy()])
        if bi is not None:
            chunks.append(w[bi.numpy()])
    return doc, np.concatenate(chunks)


# ---------------------------------------------------------------------------- user files


def load_builder(spec: str):
    """Import ``FILE.py:function`` (the user's own code) and call the function.

    Returns whatever it returns (a torch.nn.Module, or a verifier Network).
    """
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name.isidentifier():
        raise InputError(f"--torch-model must be FILE.py:FUNCTION, got {spec!r:.80}")
    if not path.endswith(".py"):
        raise InputError(f"--torch-model: {path} is not a .py file (FILE.py:FUNCTION)")
    if not os.path.exists(path):
        raise InputError(f"--torch-model: {path} does not exist")
    if not os.path.isfile(path):
        raise InputError(f"--torch-model: {path} is not a regular file")
    modname = "verifier_user_model_" + str(abs(hash(os.path.abspath(path))))
    loader = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(loader)
    sys.modules[modname] = module
    try:
        loader.loader.exec_module(module)
    except Exception as exc:   # the user's code: report its failure on one line
        raise InputError(f"importing {path} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") \
            from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise InputError(f"{path} has no function {name}()")
    try:
        return fn()
    except Exception as exc:
        raise InputError(f"{path}:{name}() failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") \
            from None


def _finite_2d(a, what, flatten=False):
    a = np.asarray(a)
    if a.dtype.kind not in "iuf":
        raise InputError(f"{what} must be a numeric array, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if flatten and a.ndim == 3:          # (d, channels, length) for a Conv1d model: rows channel-major
        a = a.reshape(a.shape[0], -1)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise InputError(f"{what} must be a non-empty 2-D array, got shape {a.shape}")
    if not np.isfinite(a).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(a))[0])
        raise InputError(f"{what} has non-finite values (first at row {i + 1}, column {j + 1})")
    return a


def _split(arr, outputs, what):
    a = _finite_2d(arr, what)
    if not 1 <= outputs < a.shape[1]:
        raise InputError(f"{what}: {a.shape[1]} columns cannot hold {outputs} target column(s) and inputs")
    return a[:, :-outputs], a[:, -outputs:]


def _load_pt(path: str):
    """``torch.load(weights_only=True)`` of a regular file within the size limit; a file that needs a pickle
    (or is not a torch file) is refused on one line, with torch's warnings kept off stderr."""
    import pickle
    import re
    import warnings
    import zipfile

    st = os.stat(path)
    if not os.path.isfile(path) or st.st_size > MAX_ARRAY_BYTES:
        raise InputError(f"{path}: " + ("not a regular file" if not os.path.isfile(path) else
                                        f"larger than the limit of {MAX_ARRAY_BYTES // 2 ** 20} MiB for a data file"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:   # the weights-only unpickler's refusal, or a corrupt file
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
        if isinstance(exc, pickle.UnpicklingError) and "Weights only load failed" in text:
            raise InputError(f"{path}: refused: the file holds pickled Python objects beyond tensors, and pickles "
                             "are never loaded (torch.load with weights_only=True)") from None
        if isinstance(exc, (zipfile.BadZipFile, EOFError)):
            raise InputError(f"{path}: not a torch (.pt) file ({type(exc).__name__})") from None
        first = text.strip().splitlines()[0][:100] if text.strip() else ""
        raise InputError(f"{path}: cannot read ({type(exc).__name__}: {first})") from None


def load_pt(path: str):
    """The content of a ``.pt`` file, read with ``torch.load(weights_only=True)`` (pickles are refused)."""
    return _load_pt(path)


def load_arrays(path: str, *, outputs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (d, p) and targets Y (d, l) from ``.npz`` (keys X/x and Y/y), ``.npy`` or ``.pt``.

    X may also be (d, channels, length) for a Conv1d model; it is flattened row by row.

    ``.npy`` and a single ``.pt`` tensor hold rows ``[x, y]`` with ``outputs`` target
    columns last. Pickles are never loaded. Files are regular files of at most 1 GiB; an ``.npy`` header (and
    each ``.npz`` member's) is checked before anything is allocated: at most 2^27 entries per array, and no
    more data than the file holds.
    """
    suffix = os.path.splitext(path)[1].lower()
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    try:
        if suffix == ".npz":
            z, names = read_npz(path, ("X", "x", "Y", "y"))
            kx = "X" if "X" in z else "x" if "x" in z else None
            ky = "Y" if "Y" in z else "y" if "y" in z else None
            if kx is None or ky is None:
                shown = ", ".join(repr(n)[:30] for n in names[:10])
                raise InputError(f"{path}: an .npz needs arrays X and Y (found {shown or 'none'})")
            X, Y = _finite_2d(z[kx], f"{path}:{kx}", flatten=True), _finite_2d(z[ky], f"{path}:{ky}")
        elif suffix == ".npy":
            X, Y = _split(read_npy(path), outputs, path)
        elif suffix == ".pt":
            obj = _load_pt(path)
            if isinstance(obj, dict):
                kx = "X" if "X" in obj else "x" if "x" in obj else None
                ky = "Y" if "Y" in obj else "y" if "y" in obj else None
                if kx is None or ky is None or not all(isinstance(obj[k], torch.Tensor) for k in (kx, ky)):
                    raise InputError(f"{path}: a .pt dict needs tensors X and Y")
                X = _finite_2d(obj[kx].detach().cpu().numpy(), f"{path}:{kx}", flatten=True)
                Y = _finite_2d(obj[ky].detach().cpu().numpy(), f"{path}:{ky}")
            elif isinstance(obj, torch.Tensor):
                X, Y = _split(obj.detach().cpu().numpy(), outputs, path)
            else:
                raise InputError(f"{path}: expected a tensor or a dict of tensors X, Y")
        else:
            raise InputError(f"{path}: the torch backend reads .npz, .npy or .pt data")
    except InputError:
        raise
    except Exception as exc:   # corrupt files: numpy/zip errors
        raise InputError(f"{path}: cannot read ({type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''})") \
            from None
    if X.shape[0] != Y.shape[0]:
        raise InputError(f"{path}: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    return X, Y
