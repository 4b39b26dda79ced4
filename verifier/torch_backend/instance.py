"""Instances for the torch backend: the model document, the start weights and the arrays (X, Y) from
what a user names (a model builder FILE.py:FUNCTION or a network JSON with an optional point, and a data
file), and the device. The command line and the Python verbs share these."""

from __future__ import annotations

import math
import os

import numpy as np
import torch

from ..activations import parse_rational
from ..errors import InputError
from ..network import Network, load_network, read_json
from ..search import random_start
from . import models


def check_device(name):
    """A device value checked: cpu, cuda or cuda:N, with CUDA present for the latter."""
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        raise InputError(f"--device {name!r:.40}: use cpu, cuda or cuda:N") from None
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"--device {name!r:.40}: use cpu, cuda or cuda:N")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")
    return dev


def load_data(path, *, outputs: int = 1):
    """(X, Y) as float64 arrays from .npz/.npy/.pt (weights only) or an exact .csv/.json dataset."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".npz", ".npy", ".pt"):
        return models.load_arrays(path, outputs=outputs)
    from ..data import load_dataset
    ds = load_dataset(path, outputs=outputs)
    need = "the torch backend (floating-point tier)"
    return ds.x_f64(need), ds.y_f64(need)


def point_float(v, label) -> float:
    """One point value (an exact-rational string such as "1/3", or a number) as a float64."""
    if isinstance(v, str):
        q = parse_rational(v)
        try:
            f = int(q.p) / int(q.q)
        except OverflowError:
            f = math.inf
    elif isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
        raise InputError(f"--point: the value of {str(label)[:40]!r} is not a number")
    else:
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
    if not math.isfinite(f):
        raise InputError(f"--point: the value of {str(label)[:40]!r} is not finite in float64, which the torch "
                         "backend computes in")
    return f


_point_float = point_float


def load_instance(*, data, torch_model=None, network=None, point=None, outputs: int = 1, seed: int = 0):
    """(model document, start weights, X, Y) from ``torch_model`` (FILE.py:FUNCTION) or ``network``
    (a JSON file or a Network) with an optional ``point`` (a JSON file or {label: value}), and ``data``
    (a file, or a pair (X, Y) of arrays). Without a point the start is seeded (N(0, 1/fan_in))."""
    if (torch_model is None) == (network is None):
        raise InputError("give either --torch-model FILE.py:FUNCTION or --network NET.json")
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, Y = (np.asarray(a, dtype=np.float64) for a in data)
    else:
        X, Y = load_data(data, outputs=outputs)
    if torch_model is not None:
        if point is not None:
            raise InputError("--point goes with --network; a --torch-model carries its own weights")
        built = models.load_builder(torch_model) if isinstance(torch_model, str) else torch_model
        first, last = _linear_ends(built)
        if first is not None and X.ndim == 2 and (X.shape[1], Y.shape[1]) != (first, last):
            raise InputError(_shape_message(X.shape[1], Y.shape[1], first, last, data, outputs))
        if isinstance(built, Network):
            doc, w0 = models.from_network(built, random_start(built, seed))
        else:
            doc, w0 = models.from_module(built, X=X)
    else:
        net = network if isinstance(network, Network) else load_network(network)
        if point is not None:
            pt = read_json(point, "point") if isinstance(point, (str, os.PathLike)) else point
            missing = [lab for lab in net.labels if lab not in pt] if isinstance(pt, dict) else ["?"]
            if missing:
                raise InputError(f"--point does not give parameter {missing[0]!r}")
            extra = [k for k in pt if k not in set(net.labels)]
            if extra:
                raise InputError(f"--point gives {str(extra[0])[:40]!r}, which is no parameter of the network")
            w = [_point_float(pt[lab], lab) for lab in net.labels]
        else:
            w = random_start(net, seed)
        doc, w0 = models.from_network(net, w)
    p, l = models.n_inputs(doc), doc["l"]
    if X.ndim < 2 or Y.ndim != 2 or X.shape[1] != p or Y.shape[1] != l:
        raise InputError(_shape_message(X.shape[1] if X.ndim > 1 else "?", Y.shape[1] if Y.ndim > 1 else "?", p, l,
                                        data, outputs))
    return doc, w0, X, Y


def _linear_ends(module):
    """(inputs of the first layer, outputs of the last) of an nn.Sequential that starts and ends with
    nn.Linear; (None, None) otherwise (a Conv1d network, a Network: checked after translation)."""
    layers = list(module) if isinstance(module, torch.nn.Sequential) else []
    if layers and isinstance(layers[0], torch.nn.Linear) and isinstance(layers[-1], torch.nn.Linear):
        return layers[0].in_features, layers[-1].out_features
    return None, None


def _shape_message(dp, dl, p, l, data, outputs) -> str:  # noqa: E741
    """The data's columns against the model's inputs and outputs, with the --outputs that would split them."""
    split = isinstance(data, (str, os.PathLike)) and not str(data).lower().endswith((".npz", ".json", ".pt"))
    hint = f": give --outputs {l}" if split and isinstance(dp, int) and isinstance(dl, int) and dp + dl == p + l \
        else ""
    given = f" (--outputs {outputs})" if split else ""
    return (f"the data have {dp} input column{'s' if dp != 1 else ''} and {dl} target column{'s' if dl != 1 else ''}"
            f"{given}; the model has {p} input{'s' if p != 1 else ''} and {l} output{'s' if l != 1 else ''}{hint}")


def _json_finite(obj):
    """``obj`` with every non-finite float replaced by None (JSON has no Infinity or NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_finite(v) for v in obj]
    return obj


def spectrum_report(doc, w0, X, Y, *, device="cpu", optimizer=None, optimizer_steps=0, lr=1e-3,
                    lanczos_steps=60, seed=0, delta=1e-3, progress=None) -> dict:
    """The Hessian spectrum at a point near M as plain numbers (JSON-ready, infinities as None): all
    eigenvalues of 2K = 2 J J^T, a two-sided bound on ||S|| by Lanczos, Weyl's counts. ``lanczos_steps``
    is clamped to n (``lanczos_steps_requested`` keeps what was asked)."""
    from .spectrum import hessian_off_M
    from .verify import pretrain
    say = progress or (lambda text: None)
    check_device(device)
    model = models.model_from_doc(doc, device=device)
    requested = lanczos_steps
    lanczos_steps = min(lanczos_steps, model.n)     # a Krylov space has at most n dimensions
    w = torch.as_tensor(w0, device=device)
    Xt, Yt = torch.as_tensor(X, device=device), torch.as_tensor(Y, device=device)
    losses = []
    if optimizer and optimizer_steps:
        w, losses = pretrain(model, w, Xt, Yt, optimizer=optimizer, steps=optimizer_steps, lr=lr, progress=say)
        if not bool(torch.isfinite(w).all()):
            raise InputError(f"{optimizer} diverged (the weights are no longer finite): lower --lr")
    say("Gram matrix and Lanczos on S")
    try:
        res = hessian_off_M(model, w, Xt, Yt, lanczos_steps=lanczos_steps, seed=seed, delta=delta,
                            progress=lambda stage, i, t: say(f"{stage} {i}/{t}"))
    except torch.linalg.LinAlgError as exc:
        raise InputError(f"the spectrum failed at this point (overflow?): {str(exc).splitlines()[0][:100]}") \
            from None
    out = {"network": models.describe(doc), "n": res["n"], "m": res["m"], "device": str(device),
           "optimizer_losses": losses, "tier": res["tier"], "statement": res["statement"],
           "assumptions": res["assumptions"], "lanczos_steps_requested": requested}
    for key, val in res.items():
        if key in out:
            continue
        if isinstance(val, torch.Tensor):
            val = val.detach().cpu().tolist()
        elif isinstance(val, tuple):
            val = list(val)
        out[key] = val
    return _json_finite(out)     # an infinite bound is written as null (JSON has no Infinity)
