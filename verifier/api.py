"""The Python verbs, one per command: ``verify``, ``check``, ``report``, ``solve``, ``degree``,
``critical_points``, ``spectrum``, ``theorems``. They take the same inputs as the command line (files or
objects), check their options before computing (an unknown name or a bad value raises
:class:`~verifier.errors.InputError` naming ``name=value``) and return the same results: a
:class:`~verifier.certificate.Certificate`, a :class:`~verifier.checker.CheckReport`, report text, or
plain numbers.

>>> import verifier
>>> cert = verifier.verify("cooper-3.3", verifier.dataset_from_arrays([[0], [1]], [0, 1]))
>>> cert.status, verifier.check(cert).ok
('verified', True)
"""

from __future__ import annotations

import json
import os

from .errors import InputError, install_hint

__all__ = ["verify", "check", "report", "solve", "degree", "critical_points", "spectrum", "theorems"]


def _dataset(data, outputs=1):
    from .data import Dataset, load_dataset
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, os.PathLike)):
        return load_dataset(os.fspath(data), outputs=outputs)
    raise InputError(f"data={type(data).__name__}: give a Dataset (load_dataset, dataset_from_arrays) or a file path")


def _network(network):
    from .network import Network, load_network
    if network is None or isinstance(network, Network):
        return network
    if isinstance(network, (str, os.PathLike)):
        return load_network(os.fspath(network))
    raise InputError(f"network={type(network).__name__}: give a Network (load_network, mlp, ...) or a file path")


def _certificate_doc(certificate) -> dict:
    from .certificate import Certificate
    if isinstance(certificate, Certificate):
        return json.loads(json.dumps(certificate.to_json()))
    if isinstance(certificate, dict):
        return certificate
    if isinstance(certificate, (str, os.PathLike)):
        from .data import read_json
        doc = read_json(os.fspath(certificate), "certificate", exact_floats=False)
        if not isinstance(doc, dict):
            raise InputError(f"{certificate} is not a verifier certificate")
        return doc
    raise InputError(f"certificate={type(certificate).__name__}: give a Certificate, its JSON (dict) or a path")


def theorems():
    """The registered theorems (:class:`~verifier.theorems.Theorem`), in the registry's order."""
    from .theorems import THEOREMS
    return list(THEOREMS.values())


def verify(theorem: str, data, **options):
    """Verify a theorem instance and return its :class:`~verifier.certificate.Certificate`.

    ``data``: a Dataset or a file (.csv/.json/.npy); ``network=`` may be a Network or a file. For
    ``cooper-2.1``/``2.3``, ``tier="floating-point with error bounds"`` runs the torch backend at scale
    (``torch_model=`` FILE.py:FUNCTION or an nn.Sequential, or ``network=``; data also .npz/.pt or (X, Y)). The
    options each theorem takes are listed by :func:`theorems` (``Theorem.options``) and
    ``verifier theorems``; see :func:`verifier.theorems.verify` for what the statuses mean.
    """
    from .theorems import theorem as lookup
    from .checker.format import FLOAT_TIER
    from .theorems import check_option_names
    thm = lookup(theorem)
    outputs = options.pop("outputs", 1)
    check_option_names(thm, options)             # names and tier before any file is read
    if options.get("tier") == FLOAT_TIER:          # data: a Dataset, a file (.npz, .npy, .pt, .csv) or (X, Y)
        if isinstance(data, (str, os.PathLike)):
            from .torch_backend.instance import load_data
            data = load_data(os.fspath(data), outputs=outputs)
        return thm.verify(data, **options)
    if "network" in options:
        options["network"] = _network(options["network"])
    return thm.verify(_dataset(data, outputs), **options)


def check(certificate, *, base_dir=None):
    """Re-verify a certificate with the independent checker (a Certificate, its JSON or a path);
    returns a :class:`~verifier.checker.CheckReport` (``ok``, ``status``, per-claim ``results``)."""
    from .checker import check_certificate
    if base_dir is None and isinstance(certificate, (str, os.PathLike)):
        base_dir = os.path.dirname(os.path.abspath(os.fspath(certificate)))
    return check_certificate(_certificate_doc(certificate), base_dir=base_dir)


def report(certificate, *, format: str = "md", figures_dir=None, out=None, paper: str = "a4"):
    """A readable report of a certificate: Markdown (``format="md"``; figures as SVG files in
    ``figures_dir`` when given), one self-contained HTML page with inline figures (``"html"``) or a PDF
    file (``"pdf"``, bytes; ``paper`` ``"a4"`` or ``"letter"``). ``out``: also write it to that file."""
    from .report import report as render
    return render(certificate, format=format, figures_dir=figures_dir, out=out, paper=paper)


def _solve_options(options, allowed):
    from .theorems import OPTIONS
    out = {}
    for name, value in options.items():
        if name not in allowed:
            raise InputError(f"no option {name}={value!r:.40}; this verb takes: {', '.join(sorted(allowed))}")
        out[name] = OPTIONS[name](name, value)
    return out


_SOLVE_OPTS = ("method", "start", "seed", "timeout", "max_memory_mb", "progress")


def solve(system=None, *, network=None, data=None, outputs: int = 1, **options):
    """All solutions of a square polynomial system, certified (``polynomial-solutions``): a text file
    (``vars: x, y`` then one polynomial per line) or a square polynomial network with its data."""
    from .theorems import solving
    opts = _solve_options(options, _SOLVE_OPTS + ("max_terms",))
    if (system is None) == (network is None):
        raise InputError("give either system=FILE or network=... with data=...")
    if system is not None:
        opts.pop("max_terms", None)
        return solving.solve_file(os.fspath(system), **opts)
    return solving.solve_network(_network(network), _dataset(data, outputs), **opts)


def degree(network, data, *, outputs: int = 1, **options):
    """A witness set of V(H) for n > l*d: a certified lower bound on its degree (``witness-degree``);
    ``method="monodromy"`` completes it from one point (with ``loops``, ``stall``)."""
    from .theorems import solving
    opts = _solve_options(options, _SOLVE_OPTS + ("max_terms", "loops", "stall"))
    return solving.witness_degree(_network(network), _dataset(data, outputs), **opts)


def critical_points(network=None, data=None, *, deep_linear=None, lam="0", outputs: int = 1, **options):
    """Real critical points of a polynomial loss, classified by certified Hessian inertia
    (``liao-poggio-prop-1``): a polynomial network with data (and an L2 constant ``lam``), or a
    regularised deep linear network ``deep_linear=(H, d, dx, dy, m)`` with seeded data."""
    from .theorems import solving
    opts = _solve_options(options, _SOLVE_OPTS + ("max_terms",))
    if (deep_linear is None) == (network is None):
        raise InputError("give either deep_linear=(H, d, dx, dy, m) or network=... with data=...")
    if deep_linear is not None:
        if isinstance(deep_linear, (str, bytes)) or len(deep_linear) != 5 or \
                not all(isinstance(v, int) and 1 <= v <= 50 for v in deep_linear):
            raise InputError(f"deep_linear={deep_linear!r:.60}: must be five integers (H, d, dx, dy, m) in 1..50")
        opts.pop("max_terms", None)
        return solving.critical_points_deep_linear(*deep_linear, **opts)
    from .theorems import OPTIONS
    return solving.critical_points_network(_network(network), _dataset(data, outputs),
                                           lam=str(OPTIONS["lam"]("lam", lam)), **opts)


def spectrum(*, data, torch_model=None, network=None, point=None, outputs: int = 1, device: str = "cpu",
             optimizer=None, optimizer_steps: int = 0, lr: float = 1e-3, lanczos_steps: int = 60, seed: int = 0,
             delta: float = 1e-3, progress=None) -> dict:
    """The Hessian spectrum at a trained point near M (torch backend): every eigenvalue of 2 J J^T, a
    bound on the second part ||S|| by Lanczos, Weyl's counts. ``torch_model``: FILE.py:FUNCTION or an
    nn.Module; ``network``: a Network or a file (with an optional ``point``); ``data``: a file or (X, Y)."""
    if not isinstance(lanczos_steps, int) or lanczos_steps < 1:
        raise InputError(f"lanczos_steps={lanczos_steps!r}: must be an integer >= 1")
    if not isinstance(optimizer_steps, int) or optimizer_steps < 0:
        raise InputError(f"optimizer_steps={optimizer_steps!r}: must be an integer >= 0")
    if optimizer not in (None, "adam", "sgd", "lbfgs"):
        raise InputError(f"optimizer={optimizer!r:.40}: must be None, 'adam', 'sgd' or 'lbfgs'")
    if not 0 < delta < 1:
        raise InputError(f"delta={delta!r}: must lie strictly between 0 and 1")
    if not lr > 0:
        raise InputError(f"lr={lr!r}: must be > 0")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError(f"spectrum needs torch: {install_hint('torch')}") from None
    from .torch_backend.instance import load_instance, spectrum_report
    doc, w0, X, Y = load_instance(data=data, torch_model=torch_model, network=network, point=point,
                                  outputs=outputs, seed=seed)
    return spectrum_report(doc, w0, X, Y, device=device, optimizer=optimizer, optimizer_steps=optimizer_steps,
                           lr=lr, lanczos_steps=lanczos_steps, seed=seed, delta=delta, progress=progress)
