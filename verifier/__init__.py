"""verifier: certified theorem instances about loss landscapes of overparameterized networks.

The public surface, explicit re-exports only::

    import verifier
    data = verifier.load_dataset("pts.csv")
    cert = verifier.verify("cooper-4.1", data)
    print(cert.summary())
    cert.write("cert.json")
    report = verifier.check(cert.to_json())      # independent re-verification
    assert report.ok

``import verifier`` never imports torch.
"""

__version__ = "0.1.0"

from .activations import Activation, get_activation  # noqa: E402
from .algebra.bounds import bounds_report  # noqa: E402
from .algebra.polys import PolySystem, compile_polynomials  # noqa: E402
from .algebra.rank import generic_rank  # noqa: E402
from .certificate import Certificate, Claim  # noqa: E402
from .checker import CheckReport  # noqa: E402
from .checker import check_certificate as check  # noqa: E402
from .data import Dataset, dataset_from_arrays, load_dataset  # noqa: E402
from .errors import BudgetExceeded, InputError  # noqa: E402
from .network import Network, conv1d, liao_poggio_tree, load_network, mlp, network_from_json, validate  # noqa: E402
from .report import html_report, markdown_report  # noqa: E402
from .system import ResidualSystem, compile_system  # noqa: E402
from .theorems import THEOREMS, verify  # noqa: E402

__all__ = [
    "Activation", "BudgetExceeded", "PolySystem", "bounds_report", "compile_polynomials", "generic_rank", "Certificate", "CheckReport", "Claim", "Dataset", "InputError", "Network",
    "ResidualSystem", "THEOREMS", "check", "compile_system", "conv1d", "dataset_from_arrays", "get_activation",
    "html_report", "liao_poggio_tree", "load_dataset", "load_network", "markdown_report", "mlp", "network_from_json",
    "validate", "verify",
]
