"""verifier: certified theorem instances about loss landscapes of overparameterized networks.

The public surface: verbs that mirror the command line, loaders and builders::

    import verifier
    data = verifier.load_dataset("pts.csv")
    cert = verifier.verify("cooper-4.1", data)
    print(cert.summary())
    cert.write("cert.json")
    report = verifier.check(cert)               # independent re-verification
    assert report.ok

Everything is imported on first use (``import verifier`` loads neither sympy, networkx, the engines,
matplotlib nor torch), so scripts and the command line start quickly. Internals such as
``PolySystem``, ``validate`` or ``bounds_report`` stay reachable from their modules.
"""

from .version import __version__

# name -> (module, attribute): resolved by __getattr__ on first use.
_EXPORTS = {
    # verbs (verifier.api): the same as the command line
    "verify": ("api", "verify"), "check": ("api", "check"),
    # verifier.report is the report module, callable: verifier.report(cert, format="md")
    "report": ("report", None),
    "solve": ("api", "solve"), "degree": ("api", "degree"), "critical_points": ("api", "critical_points"),
    "spectrum": ("api", "spectrum"),
    # verifier.sweep is the sweep package, callable: verifier.sweep(spec, out=..., client=None)
    "sweep": ("sweep", None),
    # verifier.theorems is the registry's package, callable: verifier.theorems() lists the theorems
    "theorems": ("theorems", None),
    # the registry and the result types
    "THEOREMS": ("theorems", "THEOREMS"), "Theorem": ("theorems", "Theorem"),
    "Certificate": ("certificate", "Certificate"), "Claim": ("certificate", "Claim"),
    "CheckReport": ("checker", "CheckReport"), "STATUSES": ("checker.format", "STATUSES"),
    "InputError": ("errors", "InputError"), "BudgetExceeded": ("errors", "BudgetExceeded"),
    # loaders and builders
    "load_dataset": ("data", "load_dataset"), "dataset_from_arrays": ("data", "dataset_from_arrays"),
    "Dataset": ("data", "Dataset"), "load_network": ("network", "load_network"),
    "network_from_json": ("network", "network_from_json"), "Network": ("network", "Network"),
    "mlp": ("network", "mlp"), "conv1d": ("network", "conv1d"), "liao_poggio_tree": ("network", "liao_poggio_tree"),
    "Activation": ("activations", "Activation"), "get_activation": ("activations", "get_activation"),
    "compile_system": ("system", "compile_system"), "ResidualSystem": ("system", "ResidualSystem"),
    "markdown_report": ("report", "markdown_report"), "html_report": ("report", "html_report"),
}

# Names the package used to export, and where they live now.
_MOVED = {
    "PolySystem": "verifier.algebra.polys.PolySystem", "compile_polynomials": "verifier.algebra.polys.compile_polynomials",
    "generic_rank": "verifier.algebra.rank.generic_rank", "bounds_report": "verifier.algebra.bounds.bounds_report",
    "validate": "verifier.network.validate",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    import importlib
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = importlib.import_module(f"{__name__}.{module}")
        value = value if attr is None else getattr(value, attr)
        globals()[name] = value
        return value
    if name in _MOVED:
        module, _, attr = _MOVED[name].rpartition(".")
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verifier' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
