"""Files of ``verifier landscape``: the endpoint certificates (re-checked), figures (PNG and PDF),
landscape.json (the raw numbers) and report.html (one self-contained page, figures inline).

Every file is written atomically (a temporary file renamed into place, the mode a plain open() would give).
matplotlib is imported here only (the ``landscape`` or ``plots`` extra), with no pyplot: figures are
``matplotlib.figure.Figure`` objects saved by the non-interactive canvases.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os

import numpy as np

from ..errors import InputError, install_hint

FIGURES = ("loss-curves", "mds", "pca-contours", "interpolation", "surface", "spectrum")


def check_out(out) -> None:
    """``out`` must be an existing folder or a new name in an existing folder (checked before any work)."""
    out = os.fspath(out)
    if os.path.lexists(out) and not os.path.isdir(out):
        raise InputError(f"--out {out} exists and is not a folder")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise InputError(f"cannot write {out}: its parent folder does not exist")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(f"verifier landscape draws its figures with matplotlib: {install_hint('landscape')}") \
            from None


def _mpl():
    import matplotlib
    from matplotlib.figure import Figure
    return matplotlib, Figure


_RC = {"font.family": "serif", "mathtext.fontset": "cm", "font.size": 9.0, "axes.titlesize": 10.0,
       "axes.labelsize": 9.5, "legend.fontsize": 7.5, "savefig.dpi": 150}


def _render(draw, size=(6.0, 4.0)):
    """(png bytes, pdf bytes) of ``draw(fig)``; no dates in the PDF, so the bytes depend on the numbers only."""
    matplotlib, Figure = _mpl()
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        png, pdf = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(pdf, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                                   "Creator": None})
    return png.getvalue(), pdf.getvalue()


def _color(r):
    import matplotlib
    return matplotlib.colormaps["tab10"](r % 10)


def _certified(ep) -> bool:
    c = ep.get("certificate") or {}
    return c.get("status") == "verified" and c.get("check") == "accepted"


def _label(tr):
    return f"run {tr['run'] + 1}" + ("" if tr["branch"] is None else f" branch {tr['branch'] + 1}")


def _log10(a):
    a = np.asarray(a, dtype=np.float64)
    return np.log10(np.maximum(a, 1e-300))


def _floored(L, decades=6.0):
    """log10 L, floored ``decades`` below its maximum (on M, L is ~1e-30; the colour scale shows the basin)."""
    g = _log10(L)
    return np.maximum(g, g.max() - decades)


def figures(res) -> dict:
    """key -> (title, caption, draw function)."""
    trs, eps = res["trajectories"], res["endpoints"]
    by_name = {ep["name"]: ep for ep in eps}
    out = {}

    def name_of(tr):
        return f"run{tr['run'] + 1}" + ("" if tr["branch"] is None else f"-branch{tr['branch'] + 1}")

    def loss_curves(fig):
        ax = fig.add_subplot()
        for tr in trs:
            ax.plot(tr["steps"], np.maximum(tr["loss"], 1e-300), color=_color(tr["run"]),
                    ls="-" if tr["branch"] is None else "--", lw=1.0,
                    label=_label(tr) if tr["branch"] in (None, 0) else None)
        ax.set_yscale("log")
        ax.set_xlabel(r"training step $k$ (full-batch Adam)")
        ax.set_ylabel(r"$L(w_k)=\sum_r H_r(w_k)^2$")
        ax.legend(ncol=2, fontsize=6.5)
    out["loss-curves"] = ("Training loss", "L along every run (solid) and perturbation branch (dashed), before "
                          "Gauss-Newton. Numerical (float64).", loss_curves)

    def mds(fig):
        ax = fig.add_subplot()
        for tr in trs:
            Z = np.array(tr["mds"])
            ax.plot(Z[:, 0], Z[:, 1], color=_color(tr["run"]), ls="-" if tr["branch"] is None else "--", lw=0.9,
                    marker=".", ms=2.5, label=_label(tr) if tr["branch"] is None else None)
            ep = by_name[name_of(tr)]
            E = tr["mds_endpoint"]
            ax.plot([Z[-1, 0], E[0]], [Z[-1, 1], E[1]], color=_color(tr["run"]), ls=":", lw=0.8)
            ax.plot(E[0], E[1], marker="*" if _certified(ep) else "x", ms=9 if _certified(ep) else 6,
                    color=_color(tr["run"]), mec="black", mew=0.5)
            if tr["branch"] is None:
                ax.plot(Z[0, 0], Z[0, 1], marker="o", ms=4, color=_color(tr["run"]), mfc="white")
        ax.set_xlabel(r"MDS axis 1 (units of $1-\cos$)")
        ax.set_ylabel(r"MDS axis 2 (units of $1-\cos$)")
        ax.legend(ncol=2, fontsize=6.5)
    out["mds"] = ("Trajectories by classical MDS", "Every recorded weight vector of every run and branch, and each "
                  "endpoint after Gauss-Newton (dotted leg), placed by classical (strain) MDS of the dissimilarity "
                  "1 - cos(w_i, w_j). Open circle: start; star: an "
                  "endpoint with a verified, re-checked certificate (a true point of M lies within its certified "
                  "distance); x: not certified. Numerical.", mds)

    pc = res["pca"]

    def pca_contours(fig):
        ax = fig.add_subplot()
        A, B = np.meshgrid(pc["alpha"], pc["beta"])
        cs = ax.contourf(A, B, _floored(pc["loss"]), levels=20, cmap="viridis")
        fig.colorbar(cs, ax=ax, label=r"$\log_{10} L$")
        for tr in trs:
            if "pca" in tr:
                P = np.array(tr["pca"])
                col = "white" if tr["branch"] is None else "#ff7f0e"
                ax.plot(P[:, 0], P[:, 1], color=col, ls="-" if tr["branch"] is None else "--", lw=1.0, marker=".",
                        ms=2.5)
                E = tr["pca_endpoint"]
                ax.plot([P[-1, 0], E[0]], [P[-1, 1], E[1]], color=col, ls=":", lw=0.8)
                ax.plot(E[0], E[1], marker="*", ms=7, color=col, mec="black", mew=0.4)
        ax.plot(0, 0, marker="*", ms=10, color="red", mec="black", mew=0.5)
        r = pc["explained_variance_ratio"] + [0.0, 0.0]
        ax.set_xlabel(rf"$\alpha$ along PC 1 ({100 * r[0]:.0f}% of variance; parameter units)")
        ax.set_ylabel(rf"$\beta$ along PC 2 ({100 * r[1]:.0f}% of variance; parameter units)")
    out["pca-contours"] = ("Run 1 on its PCA plane", "L on the plane through run 1's endpoint (red star) spanned "
                           "by the top two principal directions of run 1's recorded weights (main: white; branches: "
                           "orange dashed; dotted: the Gauss-Newton leg to M, small stars), as in Li et al.; "
                           "colours floored 6 "
                           "decades below the top. The trajectories leave the plane, so the contours are "
                           "the loss on the plane, not along the paths. Numerical.", pca_contours)

    ip = res["interpolation"]

    def interpolation(fig):
        ax = fig.add_subplot()
        t = np.array(ip["t"])
        many = len(ip["curves"]) > 8      # then colours by run and one legend entry per kind of pair
        seen = set()
        for i, c in enumerate(ip["curves"]):
            within = c["kind"] == "within run"
            run = int(c["a"].removeprefix("run").split("-")[0]) - 1
            label = f"{c['a']} $\\to$ {c['b']}"
            if many:
                label = None if c["kind"] in seen else ("within a run (colour: run)" if within else
                                                        "across runs (grey)")
                seen.add(c["kind"])
            ax.plot(t, np.maximum(c["loss"], 1e-300), lw=1.0, ls="-" if within else "--", label=label,
                    color=(_color(run) if within else "0.45") if many else None)
        ax.axvline(0, color="grey", lw=0.5)
        ax.axvline(1, color="grey", lw=0.5)
        ax.set_yscale("log")
        top = max((max(c["loss"]) for c in ip["curves"] if c["loss"]), default=1.0) or 1.0
        ax.set_ylim(bottom=top * 1e-8)          # the endpoints lie on M (L ~ 1e-30): cut below 1e-8 of the top
        ax.set_xlabel(r"$t$ (dimensionless)")
        ax.set_ylabel(r"$L((1-t)\,w_a + t\,w_b)$")
        if ip["curves"]:
            ax.legend(fontsize=6, ncol=2)
        else:
            ax.text(0.5, 0.5, "no pairs (one run without branches)", transform=ax.transAxes, ha="center")
    out["interpolation"] = ("Interpolation between endpoints", "L along straight lines between endpoints: within "
                            "a run (main endpoint to a branch endpoint, solid) and across runs (dashed); t in "
                            "[-0.25, 1.25]; the axis is cut 8 decades below the top (at t = 0 and 1, on M, L is "
                            "near 0). A straight segment is not a path in M: these curves are numerical and "
                            "say nothing certified about connectivity (that is cooper-connected's job).",
                            interpolation)

    sf = res["surface"]

    def surface(fig):
        ax = fig.add_subplot()
        A, B = np.meshgrid(sf["alpha"], sf["beta"])
        cs = ax.contourf(A, B, _floored(sf["loss"]), levels=20, cmap="magma")
        ax.contour(A, B, _floored(sf["loss"]), levels=10, colors="white", linewidths=0.3)
        fig.colorbar(cs, ax=ax, label=r"$\log_{10} L$")
        ax.plot(0, 0, marker="*", ms=10, color="cyan", mec="black", mew=0.5)
        ax.set_xlabel(r"$\alpha$ along $\delta_1$ (filter-normalised, dimensionless)")
        ax.set_ylabel(r"$\beta$ along $\delta_2$ (filter-normalised, dimensionless)")
        ax.set_aspect("equal")
    out["surface"] = ("Filter-normalised loss surface", f"L(w* + alpha delta_1 + beta delta_2) around {sf['center']}'s "
                      "endpoint w* (star), with two seeded Gaussian directions filter-normalised as in Li et al.: "
                      "each neuron's incoming weights rescaled to the norm of the same weights of w*, bias "
                      "directions 0; colours floored 6 decades below the top. Numerical.", surface)

    def spectrum(fig):
        ax = fig.add_subplot()
        for ep in eps:
            if "spectrum" in ep:
                ev = np.sort(np.array(ep["spectrum"]["eigenvalues_2K"]))[::-1]
                ax.plot(np.arange(1, len(ev) + 1), np.where(ev > 0, ev, np.nan), color=_color(ep["run"]),
                        ls="-" if ep["branch"] is None else "--", lw=0.9)
        ax.set_yscale("log")
        ax.set_xlabel(r"index $j$ of the eigenvalues of $2JJ^\top$ (descending)")
        ax.set_ylabel(r"eigenvalue $\mu_j$ of $\nabla^2 L$ (loss per parameter$^2$)")
    out["spectrum"] = ("Hessian spectra at the endpoints", f"At a point of M, Hess L = 2 J^T J: its {res['m']} "
                       "nonzero eigenvalues are those of 2 J J^T (drawn, per endpoint that reached M; runs by "
                       f"colour, branches dashed) and the other n - l*d = {res['n'] - res['m']} are 0. The curves "
                       "are float64 eigenvalues at the computed point; the certified statement (all positive, "
                       "with a lower bound) is in each endpoint's certificate.", spectrum)
    return out


def _write(path, blob: bytes):
    from ..certificate import write_bytes_atomic
    write_bytes_atomic(path, blob)


def write_all(res, out, *, progress=None) -> list:
    """Write the certificates (and re-check each), the figures, landscape.json and report.html into ``out``.
    Updates ``res`` with each check's verdict; returns the written paths."""
    import verifier
    say = progress or (lambda text: None)
    check_out(out)
    out = os.fspath(out)
    os.makedirs(os.path.join(out, "figures"), exist_ok=True)
    files = []
    certs = res.get("_certificates") or {}
    if certs or res.get("_connect_certificates"):
        os.makedirs(os.path.join(out, "certificates"), exist_ok=True)
    for ep in res["endpoints"]:
        cert = certs.get(ep["name"])
        if cert is None:
            continue
        path = os.path.join(out, ep["certificate"]["file"])
        say(f"writing and checking {ep['certificate']['file']}")
        arrays = cert.write(path)
        files += [path] + ([arrays] if arrays else [])
        report = verifier.check(path)
        ep["certificate"]["check"] = "accepted" if report.ok else f"not accepted ({report.status})"
        ep["certificate"]["certified"] = _certified(ep)
    for key, cert in (res.get("_connect_certificates") or {}).items():
        path = os.path.join(out, "certificates", f"{key}.json")
        arrays = cert.write(path)
        files += [path] + ([arrays] if arrays else [])
        rep = verifier.check(path)
        for row in res["connect"]:
            if f"connect-{row['a']}-{row['b']}" == key:
                row["check"] = "accepted" if rep.ok else f"not accepted ({rep.status})"
                row["file"] = os.path.relpath(path, out)
    imgs = {}
    for key, (title, caption, draw) in figures(res).items():
        say(f"figure {key}")
        png, pdf = _render(draw)
        for ext, blob in (("png", png), ("pdf", pdf)):
            p = os.path.join(out, "figures", f"{key}.{ext}")
            _write(p, blob)
            files.append(p)
        imgs[key] = (title, caption, png)
    public = {k: v for k, v in res.items() if not k.startswith("_") and k != "files"}
    p = os.path.join(out, "landscape.json")
    _write(p, (json.dumps(public, indent=1) + "\n").encode())
    files.append(p)
    p = os.path.join(out, "report.html")
    _write(p, html_page(public, imgs).encode("utf-8"))
    files.append(p)
    return files


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _g(x, f=".3g") -> str:
    return "-" if x is None else format(x, f)


def _spec(sp) -> str:
    return "-" if not sp else _e("[" + format(sp["min"], ".3g") + ", " + format(sp["max"], ".3g") + "]")


def html_page(res, imgs) -> str:
    """The report: one page, CSS and PNG figures inline (data URIs), no scripts."""
    from ..report import REPORT_CSS
    o = res["options"]
    eps = res["endpoints"]
    n_cert = sum(1 for ep in eps if _certified(ep))
    n_reach = sum(1 for ep in eps if ep["reached_M"])
    h = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         "<title>Landscape experiments</title>", f"<style>{REPORT_CSS}\nimg {{ max-width: 100%; }}</style>",
         "</head>", "<body>", "<main>", "<h1>Landscape experiments</h1>",
         f"<p><strong>{_e(res['description'])}</strong>; network {_e(res['network'])}: n = {res['n']} parameters, "
         f"d = {res['d']} points, l = {res['l']} output(s), so M = H<sup>-1</sup>(0) has dimension n - l*d = "
         f"{res['n'] - res['m']} wherever it is smooth.</p>",
         f"<p>{o['runs']} runs of {o['steps']} full-batch Adam steps (lr {o['lr']:g}), each with {o['branches']} "
         f"perturbation branch(es) from step {o['branch_at']} (Gaussian noise, standard deviation {o['noise']:g} "
         f"times each layer's weight spread), seed {o['seed']}.</p>",
         f'<p class="note"><strong>What is certified and what is not.</strong> Only the endpoint certificates are '
         f"proofs: {n_cert} of {len(eps)} endpoints ({n_reach} reached M numerically) carry a verified "
         "<code>cooper-2.3</code> certificate that <code>verifier check</code> re-accepted: a true point of M lies "
         "within a certified distance of the endpoint (a box in the rigorous tier, a ball in the floating-point "
         "tier, whose proof also rests on the assumptions its certificate lists), M is a smooth "
         "(n - l*d)-manifold there and the Hessian of L has l*d positive and n - l*d zero eigenvalues there. "
         "Everything else on this page (training curves, MDS, "
         "PCA contours, interpolation curves, loss surfaces, the plotted spectra) is float64 numerics, not "
         "proof.</p>"]
    h += ['<h2 id="endpoints">Endpoints and their certificates</h2>',
          '<p class="muted">Each final point was pushed to M by least-norm Gauss-Newton (max |H| below). An '
          "endpoint that got there was certified (rigorous tier for small l*d and n: Arb balls and a Krawczyk "
          "test; otherwise the floating-point tier with error bounds, whose assumptions the certificate lists) "
          "and the certificate re-checked.</p>", "<table>",
          "<tr><th>endpoint</th><th>L trained</th><th>max |H| after Gauss-Newton</th><th>reached M</th>"
          "<th>cooper-2.3</th><th>tier</th><th>check</th><th>2JJ<sup>T</sup> eigenvalues (numerical)</th></tr>"]
    for ep in eps:
        c = ep["certificate"]
        sp = ep.get("spectrum")
        link = f'<a href="{_e(c["file"])}">{_e(c["status"])}</a>' if c.get("file") else _e(c["status"])
        h.append(f"<tr><td>{_e(ep['name'])}</td><td>{_g(ep['trained_loss'])}</td>"
                 f"<td>{_g(ep['gauss_newton_max_residual'][-1])}</td><td>{'yes' if ep['reached_M'] else 'no'}</td>"
                 f"<td>{link}</td><td>{_e(c.get('tier') or '-')}</td><td>{_e(c.get('check', '-'))}</td>"
                 f"<td>{_spec(sp)}</td></tr>")
    h.append("</table>")
    reasons = [(ep["name"], ep["certificate"].get("reason")) for ep in eps if ep["certificate"].get("reason")]
    if reasons:
        h += ['<ul class="muted">'] + [f"<li>{_e(a)}: {_e(b)}</li>" for a, b in reasons[:12]] + ["</ul>"]
    h += ['<h2 id="connect">Certified paths between endpoints (<code>cooper-connected</code>)</h2>',
          '<p class="muted"><code>cooper-connected</code> was asked for a certified zero-loss path between a few '
          "pairs of endpoints that reached M (<code>--connect-timeout</code> seconds each). <em>verified</em> proves "
          "that the two points lie in one path-component of M, <em>refuted</em> that they lie in different ones; "
          "<em>inconclusive</em> says nothing about connectivity.</p>"]
    if res["connect"]:
        h += ["<table>", "<tr><th>from</th><th>to</th><th>pair</th><th>status</th><th>reason</th><th>s</th></tr>"]
        h += [f"<tr><td>{_e(c['a'])}</td><td>{_e(c['b'])}</td><td>{_e(c['kind'])}</td><td>{_e(c['status'])}</td>"
              f"<td>{_e(c.get('reason', ''))}</td><td>{c['seconds']:.1f}</td></tr>" for c in res["connect"]]
        h.append("</table>")
    else:
        h.append("<p>No pair of endpoints reached M, so nothing was tried.</p>")
    curves = res["interpolation"]["curves"]
    if curves:
        h += ['<h2 id="barriers">Interpolation barriers (numerical)</h2>', "<table>",
              "<tr><th>from</th><th>to</th><th>pair</th><th>||w<sub>a</sub> - w<sub>b</sub>||</th>"
              "<th>max L on [0, 1] - max(L(0), L(1))</th></tr>"]
        h += [f"<tr><td>{_e(c['a'])}</td><td>{_e(c['b'])}</td><td>{_e(c['kind'])}</td><td>{_g(c['distance'])}</td>"
              f"<td>{_g(c['barrier'])}</td></tr>" for c in curves]
        h.append("</table>")
    h.append('<h2 id="figures">Figures</h2>')
    for key, (title, caption, png) in imgs.items():
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        h += [f'<figure id="fig-{_e(key)}">', f"<h3>{_e(title)}</h3>",
              f'<img src="{uri}" alt="{_e(title)}">',
              f"<figcaption>{_e(caption)} (PDF: <code>figures/{_e(key)}.pdf</code>)</figcaption>", "</figure>"]
    t = res["timings_s"]
    h += ['<h2 id="provenance">Numbers and provenance</h2>',
          "<p>All numbers are in <code>landscape.json</code>; the certificates in <code>certificates/</code> "
          "(re-check with <code>verifier check certificates/NAME.json</code>). Times (s): "
          + ", ".join(f"{_e(k)} {v:.1f}" for k, v in t.items()) + ".</p>",
          f"<p class=\"muted\">MDS: {_e(res['mds']['method'])}, on {_e(res['mds']['dissimilarity'])}. The same "
          "seed gives the same numbers.</p>", "</main>", "</body>", "</html>", ""]
    return "\n".join(h)
