"""Figures of a certificate, drawn from the certificate alone (float64 pictures, not proofs).

Every figure rebuilds the network, the data and the certified point (the midpoints of its
balls) from the certificate's JSON and evaluates the residual system in float64. The
pictures illustrate what the claims say; the claims themselves rest on the computations that
``verifier check`` repeats (Arb balls; exact and modular arithmetic for the algebraic theorems;
float64 with a-priori error bounds for the floating-point tier). Each figure is returned as SVG
text with a caption that says what to look for.

matplotlib is optional (the ``plots`` extra) and is imported only inside the functions here,
never by ``import verifier``. No pyplot and no global backend switch: figures are
``matplotlib.figure.Figure`` objects rendered by the non-interactive SVG canvas, so nothing
is drawn on screen and a user's own matplotlib state is left alone.

>>> import json, verifier
>>> figs = certificate_figures(json.load(open("cert.json")))     # doctest: +SKIP
>>> [f.key for f in figs]                                          # doctest: +SKIP
['architecture', 'singular-values', 'hessian-spectrum', 'loss-slice']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import InputError, install_hint

PLOTS_MISSING = f"figures need the `plots` extra, which installs matplotlib: {install_hint('plots')}"

# Sizes above which the cheaper variant of a computation is used.
_HESSIAN_FULL_MAX_N = 2000        # full eigvalsh of the n x n matrix 2 J^T J
_SVD_MAX_ENTRIES = 4_000_000      # plain SVD of J; larger: eigh of J J^T


class FiguresUnavailable(RuntimeError):
    """matplotlib is not installed."""


@dataclass(frozen=True)
class Figure:
    """One figure: a short ``key`` (file stem), a ``title``, a ``caption`` and the ``svg`` text."""

    key: str
    title: str
    caption: str
    svg: str


def figures_available() -> bool:
    """Whether matplotlib can be imported (the ``plots`` extra)."""
    try:
        _matplotlib()
    except FiguresUnavailable:
        return False
    return True


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure as MplFigure
    except ImportError:
        raise FiguresUnavailable(PLOTS_MISSING) from None
    return matplotlib, MplFigure


# --------------------------------------------------------------------------- the instance


@dataclass
class _Context:
    """What every figure needs, computed once: the system, the point, J and its SVD."""

    cert: dict
    system: object
    w: np.ndarray          # float64 midpoint of the certified point
    J: np.ndarray          # (l*d, n)
    s: np.ndarray          # singular values of J, descending (length l*d)
    V: np.ndarray          # (n, l*d): right singular vectors (orthonormal basis of the row space)
    m: int
    n: int

    def claim(self, cid):
        return next((c for c in self.cert.get("claims", []) if c.get("id") == cid), None)

    def evidence_number(self, cid, key):
        c = self.claim(cid)
        if not c or c.get("evidence", {}).get(key) is None:
            return None
        return _to_float(c["evidence"][key])


def _to_float(value) -> float:
    from .checker.format import parse_rational
    q = parse_rational(value)
    return float(Fraction(int(q.p), int(q.q)))


def _midpoints(cert: dict, labels) -> np.ndarray:
    point = cert.get("point")
    if not isinstance(point, dict):
        raise InputError("the certificate has no certified point to draw")
    vals = []
    for lab in labels:
        if lab not in point:
            raise InputError(f"the certificate's point has no value for parameter {lab!r}")
        v = point[lab]
        vals.append(_to_float(v["mid"] if isinstance(v, dict) else v))
    return np.array(vals, dtype=float)


_FIGURES_NEED = "the report's figures (they evaluate H in float64)"


def _context(cert: dict) -> _Context:
    from .data import Dataset
    from .network import network_from_json
    from .system import compile_system
    if not isinstance(cert, dict) or not isinstance(cert.get("instance"), dict):
        raise InputError("the certificate has no instance")
    inst = cert["instance"]
    net = network_from_json(inst.get("network"))
    data = Dataset.from_json(inst.get("data"), source="certificate data")
    data.x_f64(_FIGURES_NEED), data.y_f64(_FIGURES_NEED)      # a clear message before the float64 evaluation
    system = compile_system(net, data)
    w = _midpoints(cert, net.labels)
    J = system.jacobian_f64(w)
    m, n = J.shape
    if m * n <= _SVD_MAX_ENTRIES:
        _, s, Vt = np.linalg.svd(J, full_matrices=False)
        V = Vt.T
    else:
        ev, U = np.linalg.eigh(J @ J.T)
        order = np.argsort(ev)[::-1]
        s = np.sqrt(np.maximum(ev[order], 0.0))
        U = U[:, order]
        V = (J.T @ U) / np.where(s > 0, s, 1.0)
    return _Context(cert, system, w, J, s, V, m, n)


def _null_vector(ctx: _Context) -> np.ndarray:
    """A unit vector in the kernel of J (a tangent direction of M at the point), deterministic."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        v = rng.normal(size=ctx.n)
        v -= ctx.V @ (ctx.V.T @ v)
        v -= ctx.V @ (ctx.V.T @ v)    # twice: orthogonal to the row space to working precision
        nv = np.linalg.norm(v)
        if nv > 1e-8:
            return v / nv
    raise InputError("J has no kernel at the point (n <= l*d)")


# --------------------------------------------------------------------------- rendering


class SVG(str):
    """SVG text that remembers how it was drawn (``draw``, ``size``, ``key``), so the same figure can be
    rendered again as PNG or PDF (:func:`figure_bytes`). It is a ``str`` everywhere else."""

    draw = None
    size = (7.0, 4.0)
    key = ""


_RC = {"font.family": "sans-serif", "font.size": 9.0, "axes.titlesize": 10.0}
RC = _RC                       # the figures' matplotlib settings, for other drawings in the same style (PDF)


def matplotlib_modules():
    """(matplotlib, its Figure class); FiguresUnavailable without the plots extra."""
    return _matplotlib()


def render_svg(key: str, draw, *, size=(7.0, 4.0)) -> str:
    """Run ``draw(fig)`` on a fresh matplotlib Figure and return its SVG text (no XML prolog)."""
    import io
    matplotlib, MplFigure = _matplotlib()
    rc = {"svg.hashsalt": f"verifier-{key}",     # deterministic ids, unique per figure (inline SVGs share a page)
          "svg.fonttype": "none",                # real <text>: small files, searchable labels
          **_RC}
    with matplotlib.rc_context(rc):
        fig = MplFigure(figsize=size, layout="constrained")
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    # matplotlib names groups "figure_1", "axes_1", ... in every figure; several inline SVGs share one HTML
    # page, so every id (and every reference to one) gets the figure's key as a prefix.
    svg = re.sub(r'(\sid=")([^"#]+)"', lambda m: f'{m.group(1)}{key}-{m.group(2)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{key}-{m.group(1)})", svg)
    svg = re.sub(r'(href=")#([^"]+)"', lambda m: f'{m.group(1)}#{key}-{m.group(2)}"', svg)
    out = SVG(svg.strip() + "\n")
    out.draw, out.size, out.key = draw, size, key
    return out


EXPORT_FORMATS = ("png", "pdf")


def figure_bytes(fig: "Figure", fmt: str) -> bytes:
    """The figure rendered again as ``png`` (200 dpi) or ``pdf`` (vector, fonts embedded), for a paper."""
    import io
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    draw = getattr(fig.svg, "draw", None)
    if draw is None:
        raise ValueError(f"figure {fig.key!r} was not drawn here (only its SVG text is known)")
    matplotlib, MplFigure = _matplotlib()
    with matplotlib.rc_context({**_RC, "pdf.fonttype": 42}):
        mfig = MplFigure(figsize=fig.svg.size, layout="constrained")
        draw(mfig)
        buf = io.BytesIO()
        meta = {"Software": None} if fmt == "png" else {"Creator": None, "Producer": None, "CreationDate": None}
        mfig.savefig(buf, format=fmt, dpi=200, metadata=meta)
    return buf.getvalue()


def render_exports(figs, folder, formats=EXPORT_FORMATS) -> list:
    """``[(folder/fig-<key>.<fmt>, bytes)]`` for every figure and format, rendered, nothing written yet."""
    import os
    return [(os.path.join(folder, f"fig-{f.key}.{fmt}"), figure_bytes(f, fmt)) for f in figs for fmt in formats]


def write_exports(blobs) -> list:
    """Write what :func:`render_exports` rendered (atomically; a missing last folder is created)."""
    import os

    from .certificate import write_bytes_atomic
    for path, blob in blobs:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write_bytes_atomic(path, blob)
    return [path for path, _ in blobs]


def export_figures(figs, folder, formats=EXPORT_FORMATS) -> list:
    """Write each figure as ``folder/fig-<key>.png`` and ``.pdf`` (atomically; the folder is created if its
    parent exists). Everything is rendered before the first file is written. Returns the paths."""
    return write_exports(render_exports(figs, folder, formats))


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def plain_log_ticks(axis) -> None:
    """Tick labels like ``1e-03`` on a log axis (mathtext labels cost most of the rendering time); an axis
    that spans less than two decades also labels its minor ticks (``2e1``, ``5e1``), so it is never bare."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    def label(v, _pos):
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")

    def minor(v, _pos):
        lo, hi = sorted(axis.get_view_interval())
        return label(v, _pos) if lo > 0 and hi / lo < 100 and f"{v:.0e}"[0] in "25" else ""
    axis.set_major_locator(LogLocator(base=10, numticks=8))
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(FuncFormatter(minor))


# --------------------------------------------------------------------------- (a) singular values


def singular_values_figure(ctx: _Context) -> Figure:
    lower = ctx.evidence_number("rank-J", "sigma_min_lower")
    s = ctx.s

    def draw(fig):
        ax = fig.add_subplot()
        k = np.arange(1, len(s) + 1)
        ax.semilogy(k, s, "o-", ms=4, color="C0", label="singular values of J at w* (float64)")
        if lower is not None and lower > 0:
            ax.axhline(lower, color="C3", lw=1.5, label=f"certified lower bound sigma_min >= {_fmt(lower)}")
            bottom = min(lower, s.min()) / 10
            ax.axhspan(bottom, lower, color="C3", alpha=0.12, lw=0,
                       label="excluded by the certificate (down to 0)")
            ax.set_ylim(bottom, s.max() * 3)
        ax.set_xlabel(r"index $k$ ($\sigma_k$ descending)")
        ax.set_xlim(0.5, len(s) + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(r"$\sigma_k(J)$")
        plain_log_ticks(ax.yaxis)
        ax.set_title(f"Singular values of the {ctx.m} x {ctx.n} Jacobian J of H at the certified point")
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)

    smin = s.min() if len(s) else float("nan")
    if lower is not None:
        tail = (f"The red line is the certified lower bound sigma_min(J) >= {_fmt(lower)} from the rank-J claim, valid on "
                f"the whole certified box; the shaded band from it down to 0 is what the proof excludes. Every dot "
                f"lies above it (smallest float64 value {_fmt(smin)}), so J has full rank l*d = {ctx.m}: "
                f"no singular value can reach 0.")
    else:
        tail = "This certificate has no rank-J claim, so no certified bound is drawn."
    cap = (f"The l*d = {ctx.m} singular values of the {ctx.m} x {ctx.n} Jacobian J of H at the certified point w* "
           f"(float64, log scale). " + tail)
    return Figure("singular-values", "Singular values of J", cap, render_svg("singular-values", draw))


# --------------------------------------------------------------------------- (b) Hessian spectrum


_ENCLOSURE = re.compile(r"^\[\s*([-+0-9.eE]+)\s*(?:\+/-\s*([-+0-9.eE]+))?\s*\]$")


def _enclosure_mids(spectrum) -> list:
    out = []
    for text in spectrum or []:
        m = _ENCLOSURE.match(str(text).strip())
        if m:
            out.append(float(m.group(1)))
    return out


def hessian_spectrum_figure(ctx: _Context) -> Figure:
    n, m = ctx.n, ctx.m
    lower = ctx.evidence_number("hessian-signature", "min_positive_lower")
    hs = ctx.claim("hessian-signature")
    certified = _enclosure_mids(hs.get("evidence", {}).get("spectrum")) if hs else []
    full = n <= _HESSIAN_FULL_MAX_N
    if full:
        ev = np.sort(np.linalg.eigvalsh(2.0 * ctx.J.T @ ctx.J))[::-1]
        pos, zer = ev[:m], ev[m:]
        zer = zer[np.argsort(-np.abs(zer), kind="stable")]     # plotted as |lambda|: sorted by it, descending
    else:
        pos, zer = np.sort(2.0 * ctx.s ** 2)[::-1], None
    floor = 1e-18

    def draw(fig):
        ax, bx = fig.subplots(1, 2, width_ratios=[3, 1])
        k = np.arange(1, len(pos) + 1)
        ax.semilogy(k, np.maximum(pos, floor), "o", ms=4, color="C0", label=f"{m} positive (float64)")
        if zer is not None and len(zer):
            kz = np.arange(m + 1, n + 1)
            ax.semilogy(kz, np.maximum(np.abs(zer), floor), ".", ms=3, color="0.5",
                        label=f"{n - m} zero (float64 rounding, |lambda|)")
        if certified:
            ax.semilogy(np.arange(1, len(certified) + 1), sorted(certified, reverse=True), "x", ms=6, color="C2",
                        label="Arb enclosures in the certificate")
        if lower is not None and lower > 0:
            ax.axhline(lower, color="C3", lw=1.5, label=f"certified: positive ones >= {_fmt(lower)}")
        ax.set_xlabel("index k: the positive eigenvalues, then the zeros, each by |lambda| descending")
        ax.set_ylabel(r"$|\lambda_k|$ of Hess $L = 2 J^T J$")
        plain_log_ticks(ax.yaxis)
        ax.set_title(f"Hessian of L at w* (n = {n})" + ("" if full else f"; the {n - m} zeros not drawn"))
        ax.legend(fontsize=7, loc="upper right")
        ax.grid(True, which="both", alpha=0.3)
        bx.bar(["positive", "zero"], [m, n - m], color=["C0", "0.5"])
        bx.set_title("counts (certified)")
        for i, v in enumerate([m, n - m]):
            bx.annotate(str(v), (i, v), ha="center", va="bottom")
        bx.set_ylim(0, max(m, n - m) * 1.15 + 1)

    how = ("all n eigenvalues of the n x n matrix (numpy eigvalsh)" if full else
           f"the l*d nonzero eigenvalues 2 sigma_k(J)^2 from J J^T; the other {n - m} are exactly 0 at a zero of H "
           "and are shown only as a count")
    cap = (f"Spectrum of the Hessian of L = sum_r H_r^2 at the certified point, where it equals 2 J^T J "
           f"(Proposition 2.3), in float64: {how}. See l*d = {m} positive eigenvalues and n - l*d = {n - m} zeros; "
           "on the log scale the float64 zeros sit at rounding level (about 1e-16 times the largest eigenvalue), "
           "far below the certified bound. ")
    if lower is not None:
        cap += f"The red line is the certified bound 2 sigma_min(J)^2 >= {_fmt(lower)}: every positive one is above it. "
    if certified:
        cap += "Green crosses are the midpoints of the Arb enclosures stored in the certificate. "
    cap += "The bar chart gives the counts the certificate proves."
    return Figure("hessian-spectrum", "Hessian spectrum", cap.strip(), render_svg("hessian-spectrum", draw))


# --------------------------------------------------------------------------- (c) loss on a 2-D slice


def _grid_size(ctx: _Context) -> int:
    cost = ctx.n * max(ctx.system.d, 1)
    return 41 if cost <= 200_000 else 25 if cost <= 5_000_000 else 13


def _tangent_window(ctx: _Context, t, start: float, ref: float) -> float:
    """How far the straight tangent line stays in the valley: doublings from ``start`` while L <= ref."""
    cap = 2.0 * max(1.0, float(np.max(np.abs(ctx.w))))
    R = start
    while R * 2 <= cap and ctx.system.loss_f64(ctx.w + 2 * R * t) <= ref:
        R *= 2
    return R


def loss_slice_figure(ctx: _Context) -> Figure:
    t = _null_vector(ctx)
    nv = ctx.V[:, 0]
    s1 = float(ctx.s[0])
    y = ctx.system.data.y_f64(_FIGURES_NEED)
    ref = max(float(np.sum(y ** 2)), 1e-12)
    Rn = np.sqrt(ref) / s1 if s1 > 0 else 1.0     # the normal parabola s1^2 v^2 climbs to ~ sum y^2 = L at f = 0
    Rt = _tangent_window(ctx, t, Rn, ref)
    G = _grid_size(ctx)
    u = np.linspace(-Rt, Rt, G)
    v = np.linspace(-Rn, Rn, G)
    loss = ctx.system.loss_f64
    Z = np.array([[loss(ctx.w + a * t + b * nv) for a in u] for b in v])
    prof_t = np.array([loss(ctx.w + a * t) for a in u])
    prof_n = np.array([loss(ctx.w + b * nv) for b in v])
    floor = 1e-30
    x = np.linspace(-1, 1, G)

    def draw(fig):
        ax, bx, cx = fig.subplots(1, 3, width_ratios=[1.25, 1, 1])
        logZ = np.log10(np.maximum(Z, floor))
        lo = max(float(logZ.min()), np.log10(ref) - 10)      # the last 10 decades are enough to see the valley
        # Both axes in units of their own window (scales that differ by orders of magnitude are named on the axes)
        cs = ax.contourf(u / Rt, v / Rn, np.maximum(logZ, lo), levels=np.linspace(lo, float(logZ.max()) + 1e-9, 31),
                         cmap="viridis")
        fig.colorbar(cs, ax=ax, label=r"$\log_{10} L$ (float64)", shrink=0.9, format="%.0f")
        ax.contour(u / Rt, v / Rn, Z, levels=[ref * 1e-4, ref * 1e-2], colors="white", linewidths=0.6, alpha=0.8)
        ax.plot([0], [0], marker="*", ms=11, color="red", mec="white", ls="none", label="certified point w*")
        ax.set_xticks([-1, -0.5, 0, 0.5, 1])
        ax.set_xlabel(f"u / {_fmt(Rt)}  (along the tangent t, kernel of J)")
        ax.set_ylabel(f"v / {_fmt(Rn)}  (along the normal v1)")
        ratio = Rt / Rn if Rn > 0 else float("nan")
        ax.set_title(r"$\log_{10} L$ on the plane $w^* + u\,t + v\,v_1$" + (
            f"\n(axis scales differ: 1 unit of u = {_fmt(ratio)} units of v)" if not 0.5 <= ratio <= 2 else ""),
            fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        for axis, logy in ((bx, False), (cx, True)):
            plot = axis.semilogy if logy else axis.plot
            plot(x, np.maximum(prof_n, floor) if logy else prof_n, color="C1",
                 label=f"along v1 (normal), window {_fmt(Rn)}")
            plot(x, np.maximum(prof_t, floor) if logy else prof_t, color="C0",
                 label=f"along t (tangent), window {_fmt(Rt)}")
            axis.axvline(0, color="red", lw=0.8, ls=":")
            axis.set_xlabel("step from w* / its window")
            axis.set_title("1-D profiles" + (", log scale" if logy else ""))
            axis.grid(True, alpha=0.3)
        plain_log_ticks(cx.yaxis)
        bx.set_ylabel("L")
        bx.legend(fontsize=7, loc="upper center")

    cap = (f"The loss L (float64) on a plane through the certified point w*, spanned by a unit tangent direction t of "
           f"M (a vector in the kernel of J) and the unit normal direction v1 in which L curves most (top right "
           f"singular vector of J, sigma_1 = {_fmt(s1)}). The window is +/- {_fmt(Rn)} along v1, where L climbs like "
           f"sigma_1^2 v^2 to about sum y_i^2 = {_fmt(ref)} (the loss of the zero function), and +/- {_fmt(Rt)} along "
           f"t, as far as the straight tangent line stays below that level; both axes are in units of their window, "
           f"so one unit of u is {_fmt(Rt / Rn if Rn > 0 else float('nan'))} units of v. See a "
           f"valley: across M the loss rises steeply, along t it stays near 0 and grows only at higher order, as M "
           f"curves away from its tangent line (white contours: L = 1e-4 and 1e-2 times sum y_i^2). The 1-D "
           f"profiles show the two lines through w*, each over its own window; on the log scale the tangent "
           f"profile lies orders of magnitude below the normal one near w*.")
    return Figure("loss-slice", "Loss on a slice through the point", cap,
                  render_svg("loss-slice", draw, size=(10.5, 3.6)))


# --------------------------------------------------------------------------- (d) M itself (n <= 3)


def _kernel_direction(J: np.ndarray) -> np.ndarray:
    """The unit vector spanning the kernel of a full-rank (n - 1) x n matrix."""
    return np.linalg.svd(J)[2][-1]


def trace_curve(system, w0: np.ndarray, R: float, h: float, max_steps: int = 4000) -> np.ndarray:
    """Points of the curve M = H^{-1}(0) through ``w0`` (n - l*d = 1), by predictor-corrector continuation in
    float64 both ways from ``w0``: a step ``h`` along the kernel of J, then least-norm Gauss-Newton back to
    H = 0. A branch stops where it leaves the box ``|w - w0|_inf <= R``, closes up, or the corrector fails (a
    singular point of M, or a step too long): a picture, not a proof. Returns a (k, n) array in order."""
    t0 = _kernel_direction(system.jacobian_f64(w0))
    scale = 1e-9 * max(1.0, float(np.max(np.abs(w0))))
    branches = []
    for sign in (1.0, -1.0):
        w, t, pts = w0.copy(), sign * t0, []
        for k in range(max_steps):
            z = w + h * t
            ok = False
            for _ in range(12):
                J = system.jacobian_f64(z)
                dz = np.linalg.lstsq(J, system.value_f64(z), rcond=None)[0]
                z = z - dz
                if np.linalg.norm(dz) <= 1e-12 * max(1.0, np.linalg.norm(z)):
                    ok = True
                    break
            if not ok or not np.all(np.isfinite(z)) or np.linalg.norm(system.value_f64(z)) > scale \
                    or np.linalg.norm(z - w) > 3 * h:
                break
            t_new = _kernel_direction(system.jacobian_f64(z))
            t = t_new if t_new @ t >= 0 else -t_new
            w = z
            pts.append(w)
            if np.max(np.abs(w - w0)) > R or (k > 10 and np.linalg.norm(w - w0) < 1.5 * h):
                break
        branches.append(pts)
    return np.array(branches[1][::-1] + [w0] + branches[0])


def manifold_figure(ctx: _Context):
    """M = L^{-1}(0) on a grid around the point, for n = 2 or 3; None for larger n."""
    n, m = ctx.n, ctx.m
    if n > 3 or n < 2:
        return None
    labels = ctx.system.network.labels
    R = max(2.0, 1.5 * float(np.max(np.abs(ctx.w))))
    G = 81 if n == 2 else 21
    axes = [np.linspace(c - R, c + R, G) for c in ctx.w]
    mesh = np.meshgrid(*axes, indexing="ij")
    pts = np.stack([g.ravel() for g in mesh], axis=1)
    H = np.array([ctx.system.value_f64(p) for p in pts])          # (G^n, m)
    L = np.sum(H ** 2, axis=1)
    h = axes[0][1] - axes[0][0]
    Hg = H.reshape(*([G] * n), m)
    # Distance to M, first order: ||J^+ H|| with J from differences on the grid itself.
    grads = np.stack([np.stack(np.gradient(Hg[..., r], h), axis=-1) for r in range(m)], axis=-2)   # (G.., m, n)
    Jg = grads.reshape(-1, m, n)
    dist = np.linalg.norm(np.einsum("kij,kj->ki", np.linalg.pinv(Jg), H), axis=1)
    near = dist <= 0.5 * h
    curve = None
    if n == 3 and n - m == 1:              # a curve in R^3: traced, not sampled
        try:
            curve = trace_curve(ctx.system, ctx.w, R, R / 150)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            curve = None
        if curve is not None and len(curve) < 3:
            curve = None

    def draw(fig):
        if n == 2:
            ax = fig.add_subplot()
            Lg = L.reshape(G, G)
            cs = ax.contourf(axes[0], axes[1], np.log10(np.maximum(Lg, 1e-30)).T, levels=24, cmap="viridis")
            fig.colorbar(cs, ax=ax, label="log10 L (float64)")
            ax.contour(axes[0], axes[1], Hg[..., 0].T, levels=[0.0], colors="white", linewidths=1.5)
            ax.plot([ctx.w[0]], [ctx.w[1]], marker="*", ms=13, color="red", mec="white", ls="none",
                    label="certified point w*")
            ax.set_xlabel(labels[0])
            ax.set_ylabel(labels[1])
            ax.legend(fontsize=8, loc="upper right")
            ax.set_title(r"$M = L^{-1}(0)$ (white curve) in the parameter plane")
        else:
            ax = fig.add_subplot(projection="3d")
            if curve is not None:
                ax.plot(curve[:, 0], curve[:, 1], curve[:, 2], color="C0", lw=2.2,
                        label="M, traced from w* (float64 continuation)")
                lo_, hi_ = ctx.w - R, ctx.w + R
                ax.set_xlim(lo_[0], hi_[0])
                ax.set_ylim(lo_[1], hi_[1])
                ax.set_zlim(lo_[2], hi_[2])
            else:
                P = pts[near]
                ax.scatter(P[:, 0], P[:, 1], P[:, 2], s=8, c=P[:, 2], cmap="viridis", alpha=0.85,
                           depthshade=False, label="grid points within half a cell of M")
            ax.scatter([ctx.w[0]], [ctx.w[1]], [ctx.w[2]], s=120, marker="*", color="red",
                       label="certified point w*")
            ax.set_xlabel(labels[0])
            ax.set_ylabel(labels[1])
            ax.set_zlabel(labels[2])
            ax.legend(fontsize=8, loc="upper left")
            ax.set_title(r"$M = L^{-1}(0)$ in $\mathbb{R}^3$: " + f"a {'surface' if n - m == 2 else 'curve'} "
                         f"(dimension {n - m})")

    what = {1: "a curve", 2: "a surface"}.get(n - m, f"a {n - m}-manifold")
    if n == 2:
        cap = (f"The whole parameter space R^2 around w* (window +/- {_fmt(R)}): log10 L on a {G} x {G} grid "
               f"(float64), with the zero set M drawn in white. M is {what} (dimension n - l*d = {n - m}), "
               f"and the certified point (red star) lies on it; away from M the loss rises.")
    elif curve is not None:
        cap = (f"The parameter space R^3 around w* (window +/- {_fmt(R)}): M is {what} (dimension n - l*d = "
               f"{n - m}), traced from the certified point (red star) both ways by float64 predictor-corrector "
               f"continuation ({len(curve)} points, steps of {_fmt(R / 150)} along the kernel of J, each corrected "
               f"back to H = 0) until it leaves the window or closes up. A picture of the part of M connected to "
               f"w*, not a proof.")
    else:
        cap = (f"The whole parameter space R^3 around w* (window +/- {_fmt(R)}): of a {G}^3 grid (float64), the "
               f"{int(near.sum())} points whose first-order distance to M, ||J^+ H||, is below half a cell. They "
               f"trace M, {what} of dimension n - l*d = {n - m}; the certified point (red star) lies on it.")
    return Figure("manifold", "M itself", cap, render_svg("manifold", draw, size=(6.0, 5.0)))


# --------------------------------------------------------------------------- (0) the architecture


_LAYER_MAX = 24        # layers wider than this show their first and last _LAYER_KEEP nodes and a "... k more"
_LAYER_KEEP = 10
_LEGEND_MAX = 8


def _act_name(spec) -> str:
    if isinstance(spec, dict):
        name = str(spec.get("name", "?"))
        extra = spec.get("degree", spec.get("r"))
        return f"{name}{'' if extra is None else f' {extra}'}"
    return str(spec)


def architecture_figure(cert: dict) -> Figure:
    """The network of ``cert["instance"]["network"]`` drawn as a layered graph, shared labels in colour.

    Needs only the network JSON (no data, no point), so it is drawn for refuted certificates too.
    """
    import networkx as nx

    from .network import network_from_json
    _matplotlib()
    inst = cert.get("instance") if isinstance(cert, dict) else None
    if not isinstance(inst, dict):
        raise InputError("the certificate has no instance")
    raw = inst.get("network")
    net = network_from_json(raw)
    g = net.graph
    # Layers: topological generation (longest path from an input); every output in the last layer.
    gen = {}
    for i, layer in enumerate(nx.topological_generations(g)):
        for v in layer:
            gen[v] = i
    hidden = [v for v in net.order if net.kind(v) == "hidden"]
    last = max([gen[v] + 1 for v in hidden] + [gen[v] for v in net.outputs] + [1])
    layers = [[] for _ in range(last + 1)]
    for v in net.inputs:
        layers[0].append(v)
    for v in hidden:
        layers[gen[v]].append(v)
    for v in net.outputs:
        layers[last].append(v)
    layers = [ly for ly in layers if ly]
    # Positions; wide layers elided to first/last _LAYER_KEEP with a marker in between.
    pos, markers = {}, []
    slots_max = 1
    for x, ly in enumerate(layers):
        if len(ly) > _LAYER_MAX:
            shown = ly[:_LAYER_KEEP] + [None] + ly[-_LAYER_KEEP:]
        else:
            shown = ly
        slots_max = max(slots_max, len(shown))
        c = len(shown)
        for i, v in enumerate(shown):
            y = (c - 1) / 2 - i
            if v is None:
                markers.append((x, y, len(ly) - 2 * _LAYER_KEEP))
            else:
                pos[v] = (x, y)
    # Labels used more than once (edges and biases together) are shared.
    count = {}
    edges = [(u, v, lab) for v in net.order for u, lab in net.in_edges(v)]
    for _, _, lab in edges:
        count[lab] = count.get(lab, 0) + 1
    biases = [(v, net.bias(v)) for v in net.order if net.bias(v) is not None]
    for _, lab in biases:
        count[lab] = count.get(lab, 0) + 1
    shared = [lab for lab in net.labels if count.get(lab, 0) > 1]
    n_edges_of = {lab: sum(1 for e in edges if e[2] == lab) for lab in shared}
    n_bias_of = {lab: sum(1 for b in biases if b[1] == lab) for lab in shared}
    default = _act_name(raw.get("activation"))
    node_act = {}
    for entry in raw.get("nodes", []):
        if isinstance(entry, dict) and entry.get("activation") is not None:
            a = _act_name(entry["activation"])
            if a != default:
                node_act[str(entry["id"])] = a
    show_ids = len(pos) <= 40

    def draw(fig):
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
        matplotlib, _ = _matplotlib()
        cmap = matplotlib.colormaps["tab10"]
        colour = {lab: cmap(i % 10) for i, lab in enumerate(shared)}
        ax = fig.add_subplot()
        plain, coloured = [], {}
        for u, v, lab in edges:
            if u in pos and v in pos:
                seg = (pos[u], pos[v])
                if lab in colour:
                    coloured.setdefault(lab, []).append(seg)
                else:
                    plain.append(seg)
        if plain:
            ax.add_collection(LineCollection(plain, colors="0.55", linewidths=0.5, alpha=0.7, zorder=1))
        for lab, segs in coloured.items():
            ax.add_collection(LineCollection(segs, colors=[colour[lab]], linewidths=2.2, zorder=2))
        style = {"input": dict(marker="s", color="#cfe3f7", ec="#2b6cb0"),
                 "hidden": dict(marker="o", color="white", ec="0.25"),
                 "output": dict(marker="D", color="#fde2c4", ec="#c05621")}
        for kind, st in style.items():
            vs = [v for v in pos if net.kind(v) == kind]
            if not vs:
                continue
            ec = [colour.get(net.bias(v), st["ec"]) for v in vs]
            lw = [2.2 if net.bias(v) in colour else 1.0 for v in vs]
            xy = np.array([pos[v] for v in vs], dtype=float)
            ax.scatter(xy[:, 0], xy[:, 1], s=110 if show_ids else 40, marker=st["marker"], c=st["color"],
                       edgecolors=ec, linewidths=lw, zorder=3)
        if show_ids:
            for v, (x, y) in pos.items():
                ax.annotate(str(v), (x, y), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7,
                            color="0.2", zorder=4)
        for v, a in node_act.items():
            if v in pos:
                x, y = pos[v]
                ax.annotate(a, (x, y), xytext=(0, -11), textcoords="offset points", ha="center", va="top",
                            fontsize=7, color="#6b21a8", zorder=4)
        for x, y, k in markers:
            ax.text(x, y, f"... {k} more", ha="center", va="center", fontsize=7, color="0.3", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.7", lw=0.5))
        ax.set_xlim(-0.5, len(layers) - 0.5)
        ax.set_ylim(-slots_max / 2 - 0.2, slots_max / 2 + 0.2)
        ax.set_xticks(range(len(layers)))
        ax.set_xticklabels([("inputs" if i == 0 else "outputs" if i == len(layers) - 1 else f"layer {i}")
                            + f"\n({len(ly)})" for i, ly in enumerate(layers)], fontsize=8)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"{net.name}: n = {len(net.labels)} parameters, default activation {default}")
        handles = [Line2D([], [], marker="s", ls="none", mfc="#cfe3f7", mec="#2b6cb0", label="input"),
                   Line2D([], [], marker="o", ls="none", mfc="white", mec="0.25", label="hidden"),
                   Line2D([], [], marker="D", ls="none", mfc="#fde2c4", mec="#c05621", label="output")]
        for lab in shared[:_LEGEND_MAX]:
            handles.append(Line2D([], [], color=colour[lab], lw=2.2, label=f"{lab} (x{count[lab]})"))
        if len(shared) > _LEGEND_MAX:
            handles.append(Line2D([], [], ls="none", label=f"+{len(shared) - _LEGEND_MAX} more shared"))
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
                  title="shared labels (uses)" if shared else None, title_fontsize=7)

    widths = "-".join(str(len(ly)) for ly in layers)
    cap = (f"The network {net.name!r} as a graph, from the certificate's network alone: {len(layers)} layers by "
           f"topological generation (inputs left, outputs right; widths {widths}), input nodes as blue squares, "
           f"hidden nodes as circles, output nodes as orange diamonds, {len(edges)} edges as thin lines. "
           f"n = {len(net.labels)} parameters ({len(edges)} edge weights and {len(biases)} biases). ")
    if shared:
        def uses(lab):
            parts = []
            if n_edges_of[lab]:
                parts.append(f"{n_edges_of[lab]} edges")
            if n_bias_of[lab]:
                parts.append(f"{n_bias_of[lab]} biases")
            return f"{lab} ({', '.join(parts)})"
        listed = ", ".join(uses(lab) for lab in shared[:_LEGEND_MAX])
        more = f" and {len(shared) - _LEGEND_MAX} more" if len(shared) > _LEGEND_MAX else ""
        cap += (f"Weight sharing: {len(shared)} labels are used more than once, {listed}{more}; each has its own "
                f"colour, its edges are drawn thicker in it and a node whose bias is shared gets a ring in it. "
                f"Each shared label is one parameter, which is why n is smaller than the number of edges and biases. ")
    else:
        cap += "No label is shared: every weight and bias is its own parameter. "
    if node_act:
        cap += (f"{len(node_act)} hidden nodes use another activation than the default {default}; it is written "
                f"under them. ")
    if markers:
        cap += (f"Layers wider than {_LAYER_MAX} show their first and last {_LAYER_KEEP} nodes; a box says how many "
                f"are left out, and only edges between drawn nodes are drawn.")
    width = min(11.0, max(6.0, 1.4 * len(layers) + 3.5))
    height = min(6.5, max(2.8, 0.28 * slots_max + 1.6))
    return Figure("architecture", "Architecture", cap.strip(), render_svg("architecture", draw, size=(width, height)))


# --------------------------------------------------------------------------- Bezout bounds against counts


def _log10_of(entry) -> float | None:
    if not isinstance(entry, dict):
        return None
    if entry.get("log10") is not None:
        return float(entry["log10"])
    v = entry.get("bound", entry.get("value"))
    try:
        v = int(v)
    except (TypeError, ValueError):
        return None
    return float(np.log10(v)) if v > 0 else None


def bezout_figure(cert: dict):
    """Bars (log10) of the Bezout numbers, Liao-Poggio's count and Smale-Shub's estimate, with the engines'
    solution counts beside them when the certificate carries them. None without a bezout-bounds claim."""
    claim = next((c for c in cert.get("claims", []) if c.get("id") == "bezout-bounds"), None)
    if claim is None:
        return None
    ev = claim.get("evidence", {})
    bars = [("total degree\n(Bezout)", _log10_of(ev.get("total_degree")), "#4c72b0"),
            ("multihomogeneous\n(by layer)", _log10_of(ev.get("multihomogeneous")), "#55a868"),
            ("Liao-Poggio\nk^(N depth)", _log10_of(ev.get("liao_poggio")), "#8172b2"),
            ("Smale-Shub\nk^(N depth/2)", _log10_of(ev.get("smale_shub_real_estimate")), "#ccb974")]
    counts = (cert.get("extra") or {}).get("counts") or {}
    found = []
    for key, label in (("complex_solutions", "complex solutions\n(msolve)"),
                       ("real_solutions", "real solutions\n(msolve)"),
                       ("degree_of_M", "degree of M\n(Singular)")):
        v = counts.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            found.append((label, v))
    for label, v in found:
        bars.append((label, float(np.log10(v)) if v > 0 else 0.0, "#c44e52"))
    bars = [b for b in bars if b[1] is not None]

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        xs = range(len(bars))
        ax.bar(xs, [b[1] for b in bars], color=[b[2] for b in bars])
        for x, (_, v, _) in zip(xs, bars):
            ax.annotate(f"10^{v:.2f}" if v >= 6 else f"{10 ** v:,.0f}", (x, v), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(xs), [b[0] for b in bars], fontsize=8)
        ax.set_ylabel("log10 of the count")
        ax.set_title("Bounds on the number of solutions, and what the engines count")
    n, m = ev.get("n"), ev.get("equations")
    what = "isolated solutions of the square system" if n == m else (
        f"points of M on a generic slice of codimension {n - m}" if n and m and n > m else "isolated solutions")
    cap = (f"Blue and green: Bezout numbers, which bound the {what}; purple: Liao-Poggio's k^(N*depth); yellow: "
           "Smale-Shub's estimate of real solutions (not a bound). ")
    if found:
        cap += ("Red: what the engines counted on this instance (" + ", ".join(f"{lab.split(chr(10))[0]} {v}"
                                                                              for lab, v in found)
                + "); these counts are shown beside the certified bounds, not certified by them.")
    else:
        cap += "No engine count is recorded in this certificate."
    return Figure("bezout", "Bezout bounds and solution counts", cap, render_svg("bezout", draw, size=(7.5, 4.0)))


ALGEBRAIC = ("liao-poggio-bezout", "liao-poggio-dimension", "liao-poggio-nullstellensatz", "cooper-2.1-global")


# --------------------------------------------------------------------------- certified paths (cooper-connected)

_PATH_MAX_CURVES = 6


def _float_path_figure(path: dict, segs: list) -> list:
    """The floating-point tier's chain: per segment, the proven lower bound on sigma_min(J) at its centre and
    the radius of the ball the contraction maps into itself (both read from the certificate)."""
    try:
        sig = np.sqrt(np.array([float(s["lambda_min_lower"]) for s in segs]))
        rad = np.array([float(s["radius"]) for s in segs])
    except (KeyError, TypeError, ValueError):
        return []
    if not (np.all(np.isfinite(sig)) and np.all(np.isfinite(rad)) and np.all(sig > 0) and np.all(rad > 0)):
        return []
    idx = np.arange(1, len(segs) + 1)

    def draw(fig):
        a1, a2 = fig.subplots(1, 2)
        a1.semilogy(idx, sig, "o-", color="#4c72b0", ms=3, lw=1)
        a1.set_xlabel("segment")
        a1.set_ylabel(r"proven lower bound on $\sigma_{\min}(J)$ at the centre")
        a1.set_title("Rank of J along the chain")
        a2.semilogy(idx, rad, "o-", color="#55a868", ms=3, lw=1)
        a2.set_xlabel("segment")
        a2.set_ylabel("radius of the contraction ball")
        a2.set_title("Contraction balls along the chain")
        for ax in (a1, a2):
            ax.xaxis.get_major_locator().set_params(integer=True)
    ev = path.get("evidence") or {}
    cap = (f"The certified path in the floating-point tier: {len(segs)} segments, each proven by a contraction "
           "argument (rank J = l*d on the piece of M it holds). Left: Rump's lower bound on the smallest singular "
           "value of J at each segment's centre; right: the radius of the ball (in the normal directions) that the "
           "contraction maps into itself. The path ends within "
           f"{ev.get('start_distance')} and {ev.get('end_distance')} of the given points.")
    return [Figure("path", "The certified path (floating-point tier)", cap, render_svg("path", draw, size=(11.0, 4.0)))]


def path_figures(cert: dict) -> list:
    """The certified path against the straight segment (cooper-connected): left, the loss along both (0 on
    the path, the certified enclosures of L on the segment); right, a few pivots along the path, as the boxes
    of its segments. Read from the certificate only; [] when it holds neither claim's evidence."""
    claims = {c.get("id"): c for c in cert.get("claims", []) if isinstance(c, dict)}
    path, loss = claims.get("path"), claims.get("segment-loss")
    ev = (path or {}).get("evidence") or {}
    lev = (loss or {}).get("evidence") or {}
    segs = ev.get("segments")
    if path and path.get("status") == "verified" and "legs" not in ev and isinstance(segs, list) and segs \
            and all(isinstance(x, dict) for x in segs):
        return _float_path_figure(path, segs)
    legs = ev.get("legs") if path and path.get("status") == "verified" else None
    if not legs and not (loss and loss.get("status") == "verified"):
        return []
    boxes = []                     # (t0, t1, leg index, {pivot: (mid, rad)})
    for j, leg in enumerate(legs or []):
        t0 = boxes[-1][1] if boxes else 0.0
        for seg in leg["segments"]:
            t1 = _to_float(seg["t"])
            boxes.append((t0, t1, j, {p: (_to_float(x), _to_float(r)) for p, x, r in
                                      zip(leg["pivots"], seg["mid"], seg["rad"])}))
            t0 = t1
    shown = list(legs[0]["pivots"][:_PATH_MAX_CURVES]) if legs else []
    has_loss = bool(loss and loss.get("status") == "verified")

    def draw(fig):
        axes = fig.subplots(1, 2 if legs else 1, squeeze=False)[0]
        ax = axes[0]
        if has_loss:
            t = np.array([_to_float(x) for x in lev["t"]])
            lo = np.array([_to_float(x) for x in lev["lower"]])
            hi = np.array([_to_float(x) for x in lev["upper"]])
            ax.fill_between(t, np.maximum(lo, 0), hi, color="#c44e52", alpha=0.35, lw=0,
                            label="straight segment: certified enclosure of $L$")
            ax.plot(t, 0.5 * (np.maximum(lo, 0) + hi), color="#c44e52", lw=1.2)
        if legs:
            ax.plot([0, 1], [0, 0], color="#1f8a4c", lw=2.5, label="certified path in $M$: $L = 0$")
        ax.set_xlabel("$t$ (path parameter; segment: $w = (1-t)\\,w_0 + t\\,w_1$)")
        ax.set_ylabel("$L$")
        ax.set_title("Loss along the path and along the straight segment")
        ax.legend(fontsize=8, loc="upper right")
        if legs:
            ax2 = axes[1]
            colours = ["#4c72b0", "#55a868", "#8172b2", "#ccb974", "#64b5cd", "#c44e52"]
            for k, p in enumerate(shown):
                for t0, t1, j, b in boxes:
                    if p in b:
                        mid, rad = b[p]
                        ax2.fill_between([t0, t1], [mid - rad] * 2, [mid + rad] * 2, color=colours[k % 6],
                                         alpha=0.35, lw=0)
                        ax2.plot([t0, t1], [mid, mid], color=colours[k % 6], lw=1,
                                 label=p if (t0, j) == next((x[0], x[2]) for x in boxes if p in x[3]) else None)
            starts = [next(x[0] for x in boxes if x[2] == j) for j in range(1, len(legs))]
            for t in starts:
                ax2.axvline(t, color="#6b7280", lw=0.8, ls="--")
            ax2.set_xlabel("$t$")
            ax2.set_ylabel("pivot value (box of each segment)")
            ax2.set_title("Pivots of the first leg along the path" + (" (dashed: re-pivots)" if starts else ""))
            ax2.legend(fontsize=7, loc="best")
    n_seg = len(boxes)
    cap = ""
    if legs:
        cap += (f"Green: the certified path ({n_seg} Krawczyk segments in {len(legs)} leg"
                f"{'s' if len(legs) != 1 else ''}); every point of it is a zero of H, so L = 0 there. ")
    if has_loss:
        cap += (f"Red: the loss on the straight segment between the two given points, enclosed at {len(lev['t'])} "
                f"points (certified; the curve between them is drawn, not certified); its barrier is at least "
                f"{lev.get('barrier_lower')}. ")
    if legs:
        cap += ("Right: the boxes of the segments for up to six pivots of the first leg (each box holds the path "
                "over its t-interval).")
    size = (11.0, 4.0) if legs else (7.0, 4.0)
    return [Figure("path", "The certified path and the straight segment", cap.strip(),
                   render_svg("path", draw, size=size))]


# --------------------------------------------------------------------------- all of them


def certificate_figures(cert: dict, *, architecture: bool = True) -> list:
    """Every figure that applies to the certificate, as :class:`Figure` objects, the architecture first.

    With ``architecture=False`` the architecture figure (see :func:`architecture_figure`, which needs no
    point) is left out.

    Raises
    ------
    FiguresUnavailable
        matplotlib is not installed.
    InputError
        The certificate has no point, or its instance cannot be rebuilt.
    """
    _matplotlib()
    if cert.get("theorem") in SOLVE:
        return [f for f in solve_figures(cert) if architecture or f.key != "architecture"]
    if cert.get("tier") == "floating-point with error bounds":
        return float_figures(cert)           # a torch model document: no graph to draw
    arch = [architecture_figure(cert)] if architecture else []
    if cert.get("theorem") == "cooper-connected":
        return arch + path_figures(cert)
    if cert.get("theorem") in ALGEBRAIC:
        bz = bezout_figure(cert)
        return arch + ([bz] if bz is not None else [])
    ctx = _context(cert)
    figs = arch + [singular_values_figure(ctx), hessian_spectrum_figure(ctx)]
    if ctx.n > ctx.m:
        figs.append(loss_slice_figure(ctx))
    man = manifold_figure(ctx)
    if man is not None:
        figs.append(man)
    return figs


# --------------------------------------------------------------------------- square polynomial systems

SOLVE = ("polynomial-solutions", "witness-degree", "liao-poggio-prop-1")
_SOLUTIONS_MAX_UNKNOWNS = 2
_LABEL_COLOURS = {"global-minimum": "#1f8a4c", "global-minimum-zero-loss": "#1f8a4c", "local-minimum": "#55a868",
                  "saddle": "#c44e52", "local-maximum": "#8172b2", "degenerate": "#6b7280"}


def _real_box_midpoints(cert: dict):
    """(variable names, [(box index, float64 midpoint of the real parts, radius)] for the real boxes)."""
    inst = cert.get("instance") if isinstance(cert.get("instance"), dict) else {}
    system = inst.get("system") if isinstance(inst.get("system"), dict) else {}
    names = [str(v) for v in system.get("variables") or []]
    claim = _float_claim(cert, "solutions-certified") or {}
    boxes = (claim.get("evidence") or {}).get("boxes") or []
    out = []
    for i, b in enumerate(boxes):
        if not isinstance(b, dict) or b.get("real") is not True:
            continue
        centre = b.get("center") or []
        if len(centre) != len(names):
            raise InputError(f"box {i} has {len(centre)} coordinates for {len(names)} unknowns")
        out.append((i, np.array([_to_float(c[0] if isinstance(c, list) else c) for c in centre], dtype=float),
                    _to_float(b.get("radius", "0"))))
    return names, out


def solutions_figure(cert: dict):
    """The certified real solutions of a square system of 1 or 2 unknowns (midpoints of the real Krawczyk
    boxes), coloured by their classification for ``liao-poggio-prop-1``. None otherwise (more unknowns, or
    no real box)."""
    names, pts = _real_box_midpoints(cert)
    if not pts or not 1 <= len(names) <= _SOLUTIONS_MAX_UNKNOWNS:
        return None
    crit = _float_claim(cert, "critical-classification") or {}
    label = {p.get("box"): str(p.get("label")) for p in (crit.get("evidence") or {}).get("points") or []
             if isinstance(p, dict)}
    groups = {}
    for i, x, _ in pts:
        groups.setdefault(label.get(i, "certified real solution"), []).append(x)
    radius = max(r for _, _, r in pts)

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        for j, (lab, xs) in enumerate(groups.items()):
            xs = np.array(xs)
            ys = xs[:, 1] if len(names) == 2 else np.zeros(len(xs))
            ax.scatter(xs[:, 0], ys, s=36, zorder=3, color=_LABEL_COLOURS.get(lab, f"C{j}"),
                       label=f"{lab} ({len(xs)})")
        ax.set_xlabel(names[0])
        if len(names) == 2:
            ax.set_ylabel(names[1])
        else:
            ax.set_yticks([])
            ax.axhline(0, color="0.7", lw=0.8, zorder=1)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        ax.set_title(f"Certified real {'critical points' if label else 'solutions'}: {len(pts)}")
    s = cert.get("summary") if isinstance(cert.get("summary"), dict) else {}
    cap = (f"The midpoints (float64) of the {len(pts)} certified real boxes; each box holds exactly one real "
           f"solution (Krawczyk test). The largest box radius is {radius:.1e}. ")
    if s.get("non_real"):
        cap += f"The {s['non_real']} certified non-real solutions are not drawn. "
    if label:
        cap += "Colours: the label each critical point gets from the certified inertia of the Hessian of L."
    return Figure("solutions", "Certified real solutions", cap.strip(), render_svg("solutions", draw, size=(6.0, 4.0)))


def solve_figures(cert: dict) -> list:
    """Figures of a square-system certificate (``verifier solve``, ``degree``, ``critical-points``): the source
    network's architecture where the source is a network, and the certified real solutions for 1 or 2
    unknowns. Empty when neither applies (a system read from a file with 3 unknowns, say).

    Raises
    ------
    FiguresUnavailable
        matplotlib is not installed.
    """
    _matplotlib()
    figs = []
    inst = cert.get("instance") if isinstance(cert.get("instance"), dict) else {}
    src = inst.get("source") if isinstance(inst.get("source"), dict) else {}
    if isinstance(src.get("network"), dict):
        figs.append(architecture_figure({"instance": {"network": src["network"]}}))
    sol = solutions_figure(cert)
    if sol is not None:
        figs.append(sol)
    return figs


def _float_claim(cert, cid):
    return next((c for c in cert.get("claims", []) if isinstance(c, dict) and c.get("id") == cid), None)


def float_figures(cert: dict) -> list:
    """Figures of a floating-point-tier certificate (torch backend), drawn from the certificate alone.

    The Hessian spectrum at the point (every eigenvalue of 2 J J^T stored in ``extra``, against the
    certified lower bound, and the n - l*d zeros as a count) and the Gauss-Newton residual per step.
    Either is left out when the certificate has no such numbers (a refuted one, say).
    """
    _matplotlib()
    extra = cert.get("extra") or {}
    summ = cert.get("summary") or {}
    n, m = int(summ.get("n", 0)), int(summ.get("l", 0)) * int(summ.get("d", 0))
    figs = []
    ev = extra.get("eigenvalues_2K_float")
    if isinstance(ev, list) and ev and n >= m > 0:
        mu = np.sort(np.array([float(v) for v in ev]))[::-1]
        sig = _float_claim(cert, "hessian-signature-float")
        lower = None
        if sig and sig.get("status") == "verified":
            lower = float((sig.get("evidence") or {}).get("min_positive_lower", "nan"))

        def draw(fig):
            ax, bx = fig.subplots(1, 2, width_ratios=[3, 1])
            k = np.arange(1, len(mu) + 1)
            ax.semilogy(k, np.maximum(mu, 1e-300), "o", ms=3, color="C0", label=f"{len(mu)} eigenvalues of 2 J J^T")
            if lower is not None and lower > 0:
                ax.axhline(lower, color="C3", lw=1.5, label=f"proven at w*: positive ones >= {_fmt(lower)}")
            ax.set_xlabel(r"index $k$ ($\mu_k$ descending)")
            ax.set_ylabel(r"eigenvalue $\mu_k$ of $2 J J^T$")
            ax.xaxis.get_major_locator().set_params(integer=True)
            plain_log_ticks(ax.yaxis)
            ax.set_title(f"Hessian near the point (n = {n}, zeros not drawn)")
            ax.legend(fontsize=7, loc="upper right")
            ax.grid(True, which="both", alpha=0.3)
            bx.bar(["positive", "zero"], [m, n - m], color=["C0", "0.5"])
            bx.set_title("counts" + (" (verified)" if lower is not None else ""))
            for i, v in enumerate([m, n - m]):
                bx.annotate(str(v), (i, v), ha="center", va="bottom")
            bx.set_ylim(0, max(m, n - m) * 1.15 + 1)
        cap = (f"The {len(mu)} eigenvalues of 2 J J^T at the computed point (float64): the nonzero eigenvalues of "
               f"Hess L = 2 J^T J on M; the other n - l*d = {n - m} are 0 there and appear only as a count. ")
        if lower is not None:
            cap += (f"The red line is the certificate's lower bound at the true zero w* (floating-point tier): "
                    f"every positive eigenvalue there is >= {_fmt(lower)}.")
        figs.append(Figure("hessian-spectrum-float", "Hessian spectrum", cap.strip(),
                           render_svg("hessian-spectrum-float", draw)))
    hist = extra.get("gauss_newton_max_abs_H")
    if isinstance(hist, list) and len(hist) >= 2:
        h = np.array([float(v) for v in hist])

        def draw_gn(fig):
            ax = fig.add_subplot()
            ax.semilogy(np.arange(len(h)), np.maximum(h, 1e-300), "o-", ms=4, color="C0")
            ax.set_xlabel("Gauss-Newton step")
            ax.set_ylabel("max |H_r| (residual)")
            plain_log_ticks(ax.yaxis)
            ax.set_title("Reaching M: least-norm Gauss-Newton")
            ax.grid(True, which="both", alpha=0.3)
        cap = ("The largest residual |f(x_i) - y_i| after each least-norm Gauss-Newton step w <- w - t J^T (J J^T)^-1 H; "
               "near M, where J has full rank, t = 1 and the residual is squared each step until float64 rounding.")
        figs.append(Figure("gauss-newton", "Gauss-Newton", cap, render_svg("gauss-newton", draw_gn, size=(6.0, 3.2))))
    if cert.get("theorem") == "cooper-connected":
        figs += path_figures(cert)          # the chain's segments (floating-point tier)
    return figs


def spectrum_off_M_figure(res: dict) -> Figure:
    """The Hessian spectrum near M (``verifier spectrum``): eigenvalues of 2 J J^T against ||S||'s bound.

    ``res``: the JSON numbers of :func:`verifier.torch_backend.spectrum.hessian_off_M`
    (``gram_eigenvalues``, ``second_part_norm_bound``, ``radius``, ``n``, ``m``, ...).
    """
    mu = np.sort(np.asarray(res["gram_eigenvalues"], dtype=np.float64))[::-1]
    r = float(res["radius"]) if res.get("radius") is not None else math.inf       # None: no upper bound
    s_low = float(res["second_part_norm_lower"])
    n, m = int(res["n"]), int(res["m"])
    pos = mu > r

    def draw(fig):
        ax = fig.add_subplot()
        k = np.arange(1, len(mu) + 1)
        shown = np.where(mu > 0, mu, np.nan)
        ax.scatter(k[pos], shown[pos], s=6, color="#1f77b4", label=f"certainly positive ({int(pos.sum())})")
        if (~pos).any():
            ax.scatter(k[~pos], shown[~pos], s=6, color="#999999", label=f"within the Weyl band ({int((~pos).sum())})")
        if 0 < r < math.inf:
            ax.axhline(r, color="#d62728", lw=1.0, label=f"||S||_2 bound + eig. error = {_fmt(r)}")
        if s_low > 0:
            ax.axhline(s_low, color="#d62728", lw=0.8, ls=":", label=f"Lanczos lower bound on ||S||_2 = {_fmt(s_low)}")
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
        ax.set_xlabel("index j of the eigenvalues of 2 J J^T (descending)")
        ax.set_ylabel("eigenvalue")
        ax.set_title(f"Hessian near M: {m} Gram eigenvalues; the other {n - m} lie in [-{_fmt(r)}, {_fmt(r)}]")
        ax.legend(loc="lower left", fontsize=8)
    caption = (f"Hess L = 2 J^T J + S at a point with loss {_fmt(float(res['loss']))}. Each eigenvalue of 2 J J^T "
               f"above the red line ({int(pos.sum())} of {m}) gives a certainly positive eigenvalue of Hess L "
               f"(Weyl); the {n - int(pos.sum())} others, including the {n - m} zeros of 2 J^T J, may be zero or "
               "negative. The bound on ||S||_2 is probabilistic (Lanczos, Kuczynski-Wozniakowski).")
    return Figure("hessian-spectrum-off-M", "Hessian spectrum near M", caption, render_svg("hessian-spectrum-off-M", draw))


def write_figures(figs, folder) -> list:
    """Write each figure as ``folder/<key>.svg`` (atomically); return the paths."""
    import os

    from .certificate import write_text_atomic
    os.makedirs(folder, exist_ok=True)
    paths = []
    for f in figs:
        path = os.path.join(folder, f"{f.key}.svg")
        write_text_atomic(path, f.svg)
        paths.append(path)
    return paths
