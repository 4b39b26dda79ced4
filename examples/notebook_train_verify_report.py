# %% [markdown]
# # Train, verify, report: a notebook
#
# A notebook kept as a script (`# %%` cells: open it in Jupyter with jupytext, or in VS Code / PyCharm as
# cells; `python examples/notebook_train_verify_report.py --out-dir DIR` runs it top to bottom). It trains a
# small softplus network by gradient descent, certifies Proposition 2.3 at the trained point
# (`cooper-2.3`), displays the certificate and the independent checker's report (in Jupyter as HTML), and
# writes the HTML report and every figure as PNG and PDF for a paper.

# %%
import argparse
import os
import tempfile

import numpy as np

import verifier

# In Jupyter sys.argv holds the kernel's own arguments: parse_known_args leaves them alone.
parser = argparse.ArgumentParser()
parser.add_argument("--out-dir", default=None)
args, _ = parser.parse_known_args()
OUT = args.out_dir or tempfile.mkdtemp(prefix="verifier-notebook-")
os.makedirs(OUT, exist_ok=True)


def show(obj):
    """display() in Jupyter (the object's _repr_html_), print() elsewhere (its short repr)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:
        pass
    print(repr(obj))


# %% [markdown]
# ## Data and network
# Four points in R^2 with one target each, as exact rationals; an MLP 2-4-1 with softplus: n = 17 > l*d = 4.

# %%
data = verifier.dataset_from_arrays([["0", "0"], ["1", "0"], ["0", "1"], ["1", "1"]], ["1/2", "-1/4", "3/10", "1"],
                                    source="notebook")
net = verifier.mlp(2, [4], activation="softplus")
system = verifier.compile_system(net, data)
print(f"{net.name}: n = {net.n} parameters, d = {data.d} points, l*d = {data.l * data.d} equations")

# %% [markdown]
# ## Train
# Plain gradient descent on L(w) = |H(w)|^2 (gradient 2 J^T H). Training only gets near M = L^{-1}(0).

# %%
w = np.random.default_rng(0).normal(scale=0.5, size=net.n)
for step in range(1501):
    h = system.value_f64(w)
    if step % 500 == 0:
        print(f"step {step:4d}   L = {float(h @ h):.3e}")
    w = w - 0.05 * 2.0 * system.jacobian_f64(w).T @ h

# %% [markdown]
# ## Verify
# `verify` refines the trained weights (Gauss-Newton) and proves with Arb balls that a true zero of H lies in
# a tiny box nearby, with rank J = l*d there; the certificate states the Hessian signature.

# %%
cert = verifier.verify("cooper-2.3", data, network=net, point=dict(zip(net.labels, map(float, w))))
show(cert)
print(cert.summary())

# %% [markdown]
# ## Check independently
# The checker re-derives every claim from the certificate's JSON alone.

# %%
check = verifier.check(cert.to_json())
show(check)
print(f"checker: {check.status}")

# %% [markdown]
# ## Report and figures
# One self-contained HTML page (figures inline), and each figure as PNG (200 dpi) and PDF for a paper.

# %%
from verifier.certificate import write_text_atomic  # noqa: E402
from verifier.figures import export_figures  # noqa: E402
from verifier.report import figures_of  # noqa: E402

cert.write(os.path.join(OUT, "cert.json"))
write_text_atomic(os.path.join(OUT, "report.html"), verifier.html_report(cert.to_json()))
figures, why_not = figures_of(cert.to_json())
paths = export_figures(figures, os.path.join(OUT, "figures"))
print(f"report {os.path.join(OUT, 'report.html')}; figures: " + ", ".join(os.path.basename(p) for p in paths))

# %%
ok = cert.status == "verified" and check.ok
print(f"result: {'VERIFIED and independently re-checked' if ok else 'NOT verified'}")
if not ok and __name__ == "__main__":
    raise SystemExit(1)
