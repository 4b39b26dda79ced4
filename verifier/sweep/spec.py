"""Sweep specs: a TOML file naming one registered theorem and a family of instances (docs/sweep-format.md).

The file is read with :mod:`tomllib` and checked key by key (an unknown key, a wrong type or a bad range is
an :class:`~verifier.errors.InputError` of one line); nothing in it is evaluated. :func:`expand` turns a spec
into its instance list deterministically: the grid's product in the order its keys are written, then
``draws`` seeded random draws per grid point, each instance with its own seed derived from the spec's seed and
its index, so the same spec always means the same instances.

Instances are small dicts of plain values (``{"index", "network": {...}, "data": {...}, "options": {...},
"seed", "params"}``) that a task carries to a worker, where :func:`build` turns one into a network and a
dataset; ``params`` are the family parameters that vary (the columns of the results table).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
from fractions import Fraction

from ..errors import InputError

__all__ = ["load_spec", "parse_spec", "expand", "build", "instance_key", "BUILDERS", "GENERATORS", "MAX_INSTANCES"]

MAX_INSTANCES = 100_000
MAX_SPEC_BYTES = 1 << 20

# builder -> {key: (checker, default)}; a default of REQUIRED must be given
REQUIRED = object()
BUILDERS = ("mlp", "conv1d", "liao_poggio_tree", "deep_linear", "none")
GENERATORS = ("random", "teacher", "zero", "collinear", "file")
TOP_KEYS = {"theorem", "name", "seed", "draws", "network", "data", "options", "grid", "random"}
# Options a spec may set: each theorem's own (checked by the registry when the instance runs) except the ones
# the sweep sets itself; budgets are per instance.
SWEEP_OWNED = {"network", "point", "progress", "torch_model", "tier", "arrays_name", "unknowns"}


def _where(section, key):
    return f"{section}.{key}" if section else key


def _int(section, key, v, lo=0, hi=10**9):
    if type(v) is not int or not lo <= v <= hi:
        raise InputError(f"spec: {_where(section, key)} = {_short(v)} must be an integer in {lo}..{hi}")
    return v


def _bool(section, key, v):
    if type(v) is not bool:
        raise InputError(f"spec: {_where(section, key)} = {_short(v)} must be true or false")
    return v


def _short(v, n=40):
    s = json.dumps(v, default=str)
    return s if len(s) <= n else s[:n] + "..."


def _widths(section, key, v):
    if not isinstance(v, list) or not 1 <= len(v) <= 16 or any(type(w) is not int or not 1 <= w <= 4096 for w in v):
        raise InputError(f"spec: {_where(section, key)} = {_short(v)} must be a list of 1 to 16 widths in 1..4096")
    return v


def _activation(section, key, v):
    from ..activations import activation_from_json
    if not isinstance(v, (str, dict)):
        raise InputError(f"spec: {_where(section, key)} must be a name or a table such as {{name = \"power\", r = 2}}")
    try:
        activation_from_json(v)
    except InputError as exc:
        raise InputError(f"spec: {_where(section, key)}: {exc}") from None
    return v


def _rational(section, key, v):
    from ..data import parse_exact
    if type(v) is int:
        return str(v)
    if not isinstance(v, str):
        raise InputError(f"spec: {_where(section, key)} = {_short(v)} must be an integer or an exact rational string")
    try:
        parse_exact(v)
    except InputError as exc:
        raise InputError(f"spec: {_where(section, key)}: {exc}") from None
    return v


def _text(section, key, v):
    if not isinstance(v, str) or not 0 < len(v) <= 4096 or "\x00" in v:
        raise InputError(f"spec: {_where(section, key)} must be a non-empty string")
    return v


NETWORK_KEYS = {
    "mlp": {"inputs": (_int, REQUIRED), "widths": (_widths, REQUIRED), "outputs": (_int, 1),
            "activation": (_activation, "smoolu"), "bias": (_bool, True)},
    "conv1d": {"inputs": (_int, REQUIRED), "kernel": (_int, REQUIRED), "channels": (_int, 1), "stride": (_int, 1),
               "outputs": (_int, 1), "activation": (_activation, "smoolu"), "bias": (_bool, True)},
    "liao_poggio_tree": {"activation": (_activation, "smoolu"), "bias": (_bool, True)},
    "deep_linear": {"hidden": (_int, REQUIRED), "width": (_int, REQUIRED), "inputs": (_int, REQUIRED),
                    "outputs": (_int, REQUIRED), "points": (_int, REQUIRED)},
    "none": {},
}
DATA_KEYS = {
    "random": {"points": (_int, REQUIRED), "inputs": (_int, None), "outputs": (_int, None), "scale": (_int, 4),
               "denominator": (_int, 8)},
    "teacher": {"points": (_int, REQUIRED), "inputs": (_int, None), "scale": (_int, 4), "denominator": (_int, 8)},
    "zero": {"points": (_int, REQUIRED), "inputs": (_int, None), "outputs": (_int, None), "scale": (_int, 4),
             "denominator": (_int, 8)},
    "collinear": {"points": (_int, REQUIRED), "inputs": (_int, None), "outputs": (_int, None), "scale": (_int, 4),
                  "denominator": (_int, 8)},
    "file": {"path": (_text, REQUIRED), "outputs": (_int, 1)},
}
LIMITS = {"points": (1, 100_000), "inputs": (1, 10_000), "outputs": (1, 1000), "scale": (1, 10**6),
          "denominator": (1, 10**6), "hidden": (1, 50), "width": (1, 50), "kernel": (1, 4096),
          "channels": (1, 4096), "stride": (1, 4096)}


def _check_value(section, kind, key, v):
    table = NETWORK_KEYS[kind] if section == "network" else DATA_KEYS[kind]
    if key not in table:
        raise InputError(f"spec: unknown key {section}.{key} for {kind} (allowed: {', '.join(sorted(table)) or 'none'})")
    fn = table[key][0]
    if fn is _int:
        lo, hi = LIMITS.get(key, (0, 10**9))
        return _int(section, key, v, lo, hi)
    return fn(section, key, v)


def load_spec(path) -> dict:
    """Read and check a spec file (TOML); relative data paths are taken from the spec's folder."""
    import tomllib
    from ..data import read_limited
    try:
        raw = read_limited(path, limit=MAX_SPEC_BYTES, what="sweep spec")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the sweep spec ({exc.strerror or exc})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: the spec is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not a valid TOML spec: {str(exc).splitlines()[0]}") from None
    return parse_spec(doc, base_dir=os.path.dirname(os.path.abspath(os.fspath(path))))


def parse_spec(doc, *, base_dir: str | None = None) -> dict:
    """Check a spec given as a dict (the TOML file's content); returns it normalised (defaults filled in)."""
    from ..theorems import THEOREMS
    if not isinstance(doc, dict):
        raise InputError("spec: must be a table")
    for key in doc:
        if key not in TOP_KEYS:
            raise InputError(f"spec: unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})")
    theorem = doc.get("theorem")
    if theorem not in THEOREMS:
        raise InputError(f"spec: theorem = {_short(theorem)} is not a registered theorem (verifier theorems lists them)")
    thm = THEOREMS[theorem]
    out = {"theorem": theorem, "name": _text("", "name", doc.get("name", theorem)),
           "seed": _int("", "seed", doc.get("seed", 0), 0, 2**32 - 1), "base_dir": base_dir}
    for section in ("network", "data", "options", "grid", "random"):
        if section in doc and not isinstance(doc[section], dict):
            raise InputError(f"spec: [{section}] must be a table")
    net = dict(doc.get("network", {"builder": "none"}))
    kind = net.pop("builder", None)
    if kind not in BUILDERS:
        raise InputError(f"spec: network.builder = {_short(kind)} must be one of {', '.join(BUILDERS)}")
    data = dict(doc.get("data", {}))
    gen = data.pop("generator", None if kind == "deep_linear" else "random")
    if kind == "deep_linear":
        if doc.get("data"):
            raise InputError("spec: a deep_linear network draws its own seeded data; leave [data] out")
        if theorem != "liao-poggio-prop-1":
            raise InputError("spec: the deep_linear builder is for theorem liao-poggio-prop-1")
    elif gen not in GENERATORS:
        raise InputError(f"spec: data.generator = {_short(gen)} must be one of {', '.join(GENERATORS)}")
    if kind == "none" and "network" in thm.options and "width" not in thm.options:
        raise InputError(f"spec: {theorem} needs a network: give [network] with a builder")
    if kind != "none" and "network" not in thm.options and kind != "deep_linear":
        raise InputError(f"spec: {theorem} builds its own network; leave [network] out")
    out["network"] = {"builder": kind, **{k: _check_value("network", kind, k, v) for k, v in net.items()}}
    out["data"] = {} if gen is None else {"generator": gen, **{k: _check_value("data", gen, k, v)
                                                               for k, v in data.items()}}
    options = dict(doc.get("options", {}))
    for k, v in options.items():
        _check_option(theorem, k, v)
    out["options"] = options
    out["grid"] = _axes(doc.get("grid", {}), out, "grid")
    rnd = dict(doc.get("random", {}))
    out["draws"] = _int("", "draws", doc.get("draws", rnd.pop("draws", 1 if rnd else 0)), 0, MAX_INSTANCES)
    out["random"] = _axes(rnd, out, "random")
    if out["random"] and not out["draws"]:
        raise InputError("spec: [random] needs draws >= 1")
    total = math.prod(len(v) for v in out["grid"].values()) * max(1, out["draws"])
    if total > MAX_INSTANCES:
        raise InputError(f"spec: {total} instances, more than the limit of {MAX_INSTANCES}")
    # every instance must be buildable: check the first one now (a missing required key is a spec error)
    _fill(expand_one(out, 0, _grid_points(out)[0], 0))
    return out


def _axes(table, spec, what):
    axes = {}
    for key, values in table.items():
        if key == "cases" and what == "grid":        # one axis whose values set several keys together
            if not isinstance(values, list) or not 1 <= len(values) <= 10_000 \
                    or not all(isinstance(c, dict) and c for c in values):
                raise InputError("spec: grid.cases must be a list of 1 to 10000 tables of section.key = value")
            axes[key] = [{k: _check_axis_value(spec, *_split_key(k, what), v) for k, v in case.items()}
                         for case in values]
            continue
        section, _, name = key.partition(".")
        if section not in ("network", "data", "options", "seed") or (section != "seed" and not name):
            raise InputError(f"spec: {what} key {key!r} must be section.key (network., data. or options.)")
        if what == "grid":
            if not isinstance(values, list) or not 1 <= len(values) <= 10_000:
                raise InputError(f"spec: grid.{key} must be a list of 1 to 10000 values")
            checked = [_check_axis_value(spec, section, name, v) for v in values]
        else:
            checked = _check_draw(spec, section, name, key, values)
        axes[key] = checked
    return axes


def _split_key(key, what):
    section, _, name = key.partition(".")
    if section not in ("network", "data", "options") or not name:
        raise InputError(f"spec: {what} key {key!r} must be section.key (network., data. or options.)")
    return section, name


def _check_axis_value(spec, section, name, v):
    if section == "network":
        return _check_value("network", spec["network"]["builder"], name, v)
    if section == "data":
        if not spec["data"]:
            raise InputError("spec: this network draws its own data; no data. keys")
        return _check_value("data", spec["data"]["generator"], name, v)
    if section == "options":
        return _check_option(spec["theorem"], name, v)
    if section == "seed":
        return _int("", "seed", v, 0, 2**32 - 1)
    return v


def _check_option(theorem, k, v):
    """An option the spec sets (in [options], or as a grid or random axis): the theorem takes it, its type is
    plain, and the budgets the sweep itself reads (timeout, max_memory_mb) are positive numbers."""
    from ..theorems import THEOREMS
    thm = THEOREMS[theorem]
    if k in SWEEP_OWNED or k not in thm.options:
        allowed = sorted(set(thm.options) - SWEEP_OWNED)
        raise InputError(f"spec: options.{k} is not an option of {theorem} in a sweep (allowed: {', '.join(allowed)})")
    if not isinstance(v, (int, float, str, bool)) and not (k in ("activation",) and isinstance(v, dict)) \
            and not (k == "widths" and isinstance(v, list)):
        raise InputError(f"spec: options.{k} = {_short(v)} must be a number, string or boolean")
    if k == "timeout" and (type(v) not in (int, float) or not 0 < v <= 10**7):
        raise InputError(f"spec: options.timeout = {_short(v)} must be a number of seconds in (0, 10^7]")
    if k == "max_memory_mb" and (type(v) is not int or not 1 <= v <= 10**7):
        raise InputError(f"spec: options.max_memory_mb = {_short(v)} must be an integer in 1..10000000")
    return v


def _check_draw(spec, section, name, key, rule):
    if not isinstance(rule, dict) or len(rule) != 1:
        raise InputError(f"spec: random.{key} must be one of {{int = [lo, hi]}}, {{log_int = [lo, hi]}}, "
                         "{choice = [...]}")
    (how, arg), = rule.items()
    if how in ("int", "log_int"):
        if not (isinstance(arg, list) and len(arg) == 2 and all(type(a) is int for a in arg) and 1 <= arg[0] <= arg[1]):
            raise InputError(f"spec: random.{key}.{how} must be [lo, hi] with 1 <= lo <= hi")
        for v in arg:
            _check_axis_value(spec, section, name, v)
    elif how == "choice":
        if not isinstance(arg, list) or not arg:
            raise InputError(f"spec: random.{key}.choice must be a non-empty list")
        arg = [_check_axis_value(spec, section, name, v) for v in arg]
    else:
        raise InputError(f"spec: random.{key}: unknown rule {how!r} (int, log_int or choice)")
    return {how: arg}


def _grid_points(spec):
    keys = list(spec["grid"])
    return [dict(zip(keys, combo)) for combo in itertools.product(*(spec["grid"][k] for k in keys))] or [{}]


def _derive_seed(base: int, *parts) -> int:
    h = hashlib.sha256(json.dumps([base, *parts]).encode()).digest()
    return int.from_bytes(h[:4], "big")


def _draw(rule, rng):
    (how, arg), = rule.items()
    if how == "int":
        return int(rng.integers(arg[0], arg[1] + 1))
    if how == "log_int":
        return int(round(math.exp(rng.uniform(math.log(arg[0]), math.log(arg[1])))))
    return copy.deepcopy(arg[int(rng.integers(len(arg)))])


def expand_one(spec, grid_index, point, draw):
    import numpy as np
    inst = {"theorem": spec["theorem"], "network": copy.deepcopy(spec["network"]), "data": copy.deepcopy(spec["data"]),
            "options": copy.deepcopy(spec["options"]), "params": {}}
    values = {k: v for k, v in point.items() if k != "cases"}
    values.update(point.get("cases", {}))
    if spec["random"]:
        rng = np.random.default_rng(_derive_seed(spec["seed"], "draw", grid_index, draw))
        for key, rule in spec["random"].items():
            values[key] = _draw(rule, rng)
    for key, v in values.items():
        section, _, name = key.partition(".")
        if section == "seed":
            inst["params"]["seed"] = v
            continue
        inst[section][name] = v
        inst["params"][key] = v
    inst["seed"] = values.get("seed", _derive_seed(spec["seed"], "instance", grid_index, draw))
    inst["base_dir"] = spec.get("base_dir")
    return inst


def expand(spec) -> list[dict]:
    """The spec's instances, in a fixed order, each with ``index``, ``key`` (its content address) and ``params``."""
    out, seen = [], {}
    for gi, point in enumerate(_grid_points(spec)):
        for draw in range(max(1, spec["draws"])):
            inst = _fill(expand_one(spec, gi, point, draw))
            inst["index"] = len(out)
            inst["key"] = instance_key(inst)
            if inst["key"] in seen:
                raise InputError(f"spec: instances {seen[inst['key']]} and {inst['index']} are the same instance "
                                 "(the same seed and parameters)")
            seen[inst["key"]] = inst["index"]
            out.append(inst)
    return out


def _fill(inst):
    """Defaults filled in and required keys checked (``network.inputs`` also sets the data's inputs)."""
    kind = inst["network"]["builder"]
    for key, (_, default) in NETWORK_KEYS[kind].items():
        if key not in inst["network"]:
            if default is REQUIRED:
                raise InputError(f"spec: network.{key} is required for the {kind} builder")
            inst["network"][key] = default
    if inst["data"]:
        gen = inst["data"]["generator"]
        for key, (_, default) in DATA_KEYS[gen].items():
            if key not in inst["data"]:
                if default is REQUIRED:
                    raise InputError(f"spec: data.{key} is required for the {gen} generator")
                inst["data"][key] = default
        net = inst["network"]
        p = {"mlp": net.get("inputs"), "conv1d": net.get("inputs"), "liao_poggio_tree": 4}.get(kind)
        if "inputs" in inst["data"]:
            if inst["data"]["inputs"] is None:
                if p is None:
                    raise InputError("spec: data.inputs is required (no network gives it)")
                inst["data"]["inputs"] = p
            elif p is not None and inst["data"]["inputs"] != p:
                raise InputError(f"spec: data.inputs = {inst['data']['inputs']} but the network has {p} inputs")
        if "outputs" in inst["data"] and inst["data"]["outputs"] is None:
            inst["data"]["outputs"] = net.get("outputs", 1)
    return inst


def instance_key(inst) -> str:
    """The content address of an instance: theorem, then hashes of what defines it and of its options."""
    what = {k: inst[k] for k in ("network", "data", "seed")}
    if inst["data"].get("generator") == "file":
        what["file_sha256"] = _file_sha(inst)
    ih = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:20]
    oh = hashlib.sha256(json.dumps(inst["options"], sort_keys=True).encode()).hexdigest()[:8]
    return f"{inst['theorem']}-{ih}-{oh}"


def _file_sha(inst):
    path = _data_path(inst)
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"spec: data.path {inst['data']['path']}: {exc.strerror}") from None


def _data_path(inst):
    path = inst["data"]["path"]
    return path if os.path.isabs(path) else os.path.join(inst.get("base_dir") or ".", path)


# ---------------------------------------------------------------------------- building one instance (on a worker)

def _random_rationals(rng, shape, scale, den):
    """Exact rationals num/den' with |value| <= scale and denominators up to ``den`` (strings)."""
    dens = rng.integers(1, den + 1, size=shape)
    nums = rng.integers(-scale * dens, scale * dens + 1)
    return [[str(Fraction(int(a), int(b))) for a, b in zip(ra, rb)] for ra, rb in zip(nums.tolist(), dens.tolist())]


def _inputs(rng, d, p, scale, den, collinear=False):
    """d pairwise distinct exact input points (collinear ones on a seeded random line)."""
    if collinear:
        a = [Fraction(s) for s in _random_rationals(rng, (1, p), scale, den)[0]]
        b = [Fraction(s) for s in _random_rationals(rng, (1, p), scale, den)[0]]
        if all(v == 0 for v in b):
            b[0] = Fraction(1)
        ts = rng.permutation(max(4 * d, 8))[:d] - 2 * d
        return [[str(ai + int(t) * bi / den) for ai, bi in zip(a, b)] for t in ts.tolist()]
    seen, rows = set(), []
    for _ in range(100):
        for row in _random_rationals(rng, (d, p), scale, den):
            if tuple(row) not in seen:
                seen.add(tuple(row))
                rows.append(row)
            if len(rows) == d:
                return rows
    raise InputError(f"data: could not draw {d} distinct points with scale {scale} and denominator {den}")


def build(inst):
    """(network or None, dataset or None, deep_linear tuple or None) of one instance, built from its spec."""
    import numpy as np
    from .. import network as nw
    from ..activations import activation_from_json
    from ..data import dataset_from_arrays, load_dataset
    net_spec, data_spec = inst["network"], inst["data"]
    kind = net_spec["builder"]
    if kind == "deep_linear":
        return None, None, (net_spec["hidden"], net_spec["width"], net_spec["inputs"], net_spec["outputs"],
                            net_spec["points"])
    net = None
    if kind == "mlp":
        net = nw.mlp(net_spec["inputs"], net_spec["widths"], l=net_spec["outputs"],
                     activation=activation_from_json(net_spec["activation"]), bias=net_spec["bias"])
    elif kind == "conv1d":
        net = nw.conv1d(net_spec["inputs"], net_spec["kernel"], channels=net_spec["channels"],
                        stride=net_spec["stride"], l=net_spec["outputs"],
                        activation=activation_from_json(net_spec["activation"]), bias=net_spec["bias"])
    elif kind == "liao_poggio_tree":
        net = nw.liao_poggio_tree(activation=activation_from_json(net_spec["activation"]), bias=net_spec["bias"])
    gen = data_spec["generator"]
    if gen == "file":
        return net, load_dataset(_data_path(inst), outputs=data_spec["outputs"]), None
    rng = np.random.default_rng(inst["seed"])
    d, p, scale, den = data_spec["points"], data_spec["inputs"], data_spec["scale"], data_spec["denominator"]
    X = _inputs(rng, d, p, scale, den, collinear=gen == "collinear")
    if gen == "teacher":
        if net is None:
            raise InputError("data.generator = teacher needs a network to generate the targets")
        Y = _teacher_targets(net, X, rng, scale, den)
    elif gen == "zero":
        Y = [["0"] * data_spec["outputs"] for _ in range(d)]
    else:
        Y = _random_rationals(rng, (d, data_spec["outputs"]), scale, den)
    return net, dataset_from_arrays(X, Y, source=f"sweep {gen} seed {inst['seed']}"), None


def _teacher_targets(net, X, rng, scale, den):
    """f_teacher(x_i) at seeded random exact weights (targets in the network's image): exact for polynomial
    activations, else the float64 values taken as exact binary fractions."""
    from flint import fmpq
    from ..data import dataset_from_arrays
    from ..system import compile_system
    sysm = compile_system(net, dataset_from_arrays(X, [["0"] * net.l for _ in X]))
    w = [Fraction(v) for v in _random_rationals(rng, (1, net.n), scale, den)[0]]
    l = net.l
    if all(act.is_polynomial for act in net.activations()):
        vals, _ = sysm.evaluate_exact([fmpq(v.numerator, v.denominator) for v in w])
        flat = [Fraction(int(v.p), int(v.q)) for v in vals]
    else:
        flat = [Fraction(float(v)) for v in sysm.value_f64([float(v) for v in w])]
    return [[str(v) for v in flat[i * l:(i + 1) * l]] for i in range(len(X))]
