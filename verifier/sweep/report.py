"""The report of a sweep results folder: Markdown, or one self-contained HTML page with inline SVG figures.

>>> text = sweep_report("results", format="html")        # doctest: +SKIP

The report reads the folder's ``sweep.json`` (the spec and the software versions) and its table
(``results.parquet``; when that is missing or unreadable, the table is rebuilt from the row files
``rows/*.json``, which are read as JSON data and nothing else). It shows the counts by status, the counts by
status for each value of each family parameter, the reasons instances were not verified, the results table
(its first :data:`MAX_ROWS` rows) and three figures, drawn with matplotlib (the ``plots`` extra) in the style of
:mod:`verifier.figures`:

1. ``sweep-status``: stacked bars of the counts by status for each family parameter with at most
   :data:`MAX_VALUES` distinct values;
2. ``sweep-time``: the theorem time against the instance size on log-log axes, with the least-squares line in
   log-log space and its growth exponent (skipped with fewer than 3 distinct sizes);
3. ``sweep-dimension``: for dimension sweeps, the certified value (variety dimension, generic rank) against
   the expected one, with the defective instances (where they differ) marked and listed.

Every string from the folder is escaped (``html.escape``) in both formats. The HTML page has no scripts and no
external files; the Markdown report links its figures as SVG files written into ``figures_dir``.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field

from ..errors import InputError
from .summary import family_columns

__all__ = ["sweep_report", "render_sweep_report", "SweepReport", "load_results", "MAX_ROWS", "MAX_VALUES"]

MAX_ROWS = 500                  # rows of the results table shown
MAX_VALUES = 30                 # family parameters with more distinct values get no summary table or bars
MAX_DEFECTIVE = 200             # rows of the defective-instances table shown
MAX_CELL = 200                  # characters of one table cell before it is cut
MAX_MARKER_BYTES = 16 << 20     # sweep.json

STATUS_ORDER = ("verified", "refuted", "inconclusive", "not-applicable", "error")
STATUS_COLOURS = {"verified": "#1f8a4c", "refuted": "#c0392b", "inconclusive": "#e67e22",
                  "not-applicable": "#9ca3af", "error": "#111111"}
_OTHER_COLOURS = ("#4c72b0", "#8172b3", "#64b5cd", "#937860", "#da8bc3")

SIZE_UNITS = {"d": "data points", "n": "parameters", "l": "outputs", "p": "inputs", "unknowns": "unknowns",
              "data.points": "data points", "data.inputs": "inputs", "data.outputs": "outputs"}
DIMENSION_LABELS = {"variety_dimension": "dimension of V(H) over C", "generic_rank": "generic rank of J"}


@dataclass
class SweepReport:
    """A rendered report: its ``text``, the figure files written (Markdown with ``figures_dir``), the counts by
    status, the theorem and the number of instances in the table."""

    text: str
    figures: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    theorem: str | None = None
    instances: int = 0


# ------------------------------------------------------------------------------------------------ reading


def _read_marker(folder) -> dict:
    from ..data import read_limited
    path = os.path.join(folder, "sweep.json")
    try:
        doc = json.loads(read_limited(path, limit=MAX_MARKER_BYTES, what=f"{path}").decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{path} is not valid JSON: {folder} is not a readable sweep results folder") from None
    if not isinstance(doc, dict) or doc.get("format") != "verifier-sweep":
        raise InputError(f"{path} is not a sweep marker (no \"format\": \"verifier-sweep\")")
    return doc


def _rows_from_store(folder):
    """The whole rows of the store as plain values (a list or a table becomes its JSON text, as in the parquet
    table); returns ``(rows, number of damaged entries left out)``."""
    from .store import Store
    rows, damaged = Store(folder, create=False).rows()
    return [{str(k): (json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v) for k, v in row.items()}
            for row in rows], len(damaged)


def load_results(folder):
    """``(frame, marker, note)``: the results table of a sweep folder (pandas DataFrame), its ``sweep.json``
    and a note saying where the table came from when it was rebuilt (else "")."""
    import pandas as pd

    from . import is_store
    from .store import TABLE, table
    folder = os.fspath(folder)
    if not os.path.isdir(folder) or not is_store(folder):
        raise InputError(f"{folder} is not a sweep results folder (no sweep.json)")
    marker = _read_marker(folder)
    path = os.path.join(folder, TABLE)
    rows_dir = os.path.join(folder, "rows")
    has_rows = os.path.isdir(rows_dir)
    frame, problem = None, None
    if os.path.isfile(path):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:           # pyarrow raises several kinds for a damaged file
            problem = f"{TABLE} is unreadable ({type(exc).__name__})"
    elif os.path.exists(path):
        problem = f"{TABLE} is not a file"
    note = ""
    if frame is None:
        if not has_rows:
            if problem:
                raise InputError(f"{folder}: {problem} and there are no row files to rebuild it from")
            frame = pd.DataFrame()
        else:
            try:
                rows, skipped = _rows_from_store(folder)
            except OSError as exc:
                raise InputError(f"{folder}: cannot read its rows ({exc.strerror or exc})") from None
            if problem and not rows:
                raise InputError(f"{folder}: {problem} and no row file could be read to rebuild it")
            frame = table(rows) if rows else pd.DataFrame()
            note = (f"{problem or TABLE + ' is missing'}: the table was rebuilt from {len(rows)} row file(s)"
                    + (f" ({skipped} damaged, left out)" if skipped else "") + ".")
    if len(frame) and "status" not in frame.columns:
        raise InputError(f"{folder}: the results table has no status column")
    if len(frame) and "index" in frame.columns:
        try:
            frame = frame.sort_values("index", kind="stable").reset_index(drop=True)
        except TypeError:
            pass
    return frame, marker, note


# ------------------------------------------------------------------------------------------------ helpers


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _md(x) -> str:
    """Text for Markdown: HTML special characters escaped (a Markdown renderer passes raw HTML through), pipes
    escaped, one line."""
    return html.escape(str(x), quote=False).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _note(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _cut(s: str, n: int = MAX_CELL) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _missing(v) -> bool:
    if v is None:
        return True
    try:
        return isinstance(v, float) and math.isnan(v)
    except TypeError:
        return False


def _value_text(v) -> str:
    if _missing(v):
        return ""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _sort_key(text: str):
    """Numbers by value, JSON lists of numbers element-wise, then text; the empty (missing) value last."""
    if text == "":
        return (3, (), "")
    try:
        return (0, (float(text),), "")
    except ValueError:
        pass
    try:
        v = json.loads(text)
        if isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return (1, tuple(float(x) for x in v), "")
    except ValueError:
        pass
    return (2, (), text)


def _statuses(frame) -> list:
    present = [str(s) for s in frame["status"].dropna().unique()] if len(frame) else []
    return [s for s in STATUS_ORDER if s in present] + sorted(s for s in present if s not in STATUS_ORDER)


def _colour(status: str, statuses) -> str:
    if status in STATUS_COLOURS:
        return STATUS_COLOURS[status]
    others = [s for s in statuses if s not in STATUS_COLOURS]
    return _OTHER_COLOURS[others.index(status) % len(_OTHER_COLOURS)] if status in others else "#6b7280"


def _numeric(frame, col):
    """The column as floats (None when it is not a numeric column)."""
    import pandas as pd
    if col not in frame.columns:
        return None
    s = frame[col]
    if pd.api.types.is_bool_dtype(s):
        return None
    if not pd.api.types.is_numeric_dtype(s):
        s = pd.to_numeric(s, errors="coerce")
        if s.notna().sum() == 0 or s.notna().sum() < frame[col].notna().sum():
            return None
    return s.astype(float)


# ------------------------------------------------------------------------------------------------ the parts


def _by_parameter(frame, statuses) -> list:
    """``[(parameter, [(value, {status: count})], skipped_because_too_many)]``."""
    out = []
    for col in family_columns(frame):
        labels = [_value_text(v) for v in frame[col].tolist()]
        distinct = sorted(set(labels), key=_sort_key)
        if len(distinct) > MAX_VALUES:
            out.append((col, [], len(distinct)))
            continue
        counts = {v: Counter() for v in distinct}
        for lab, st in zip(labels, frame["status"].tolist()):
            counts[lab][str(st)] += 1
        out.append((col, [(v, dict(counts[v])) for v in distinct], 0))
    return out


def _reasons(frame) -> list:
    """``[(status, reason, count)]`` of the instances that were not verified, most common first."""
    if "reason" not in frame.columns:
        return []
    c = Counter()
    for st, r in zip(frame["status"].tolist(), frame["reason"].tolist()):
        if str(st) != "verified":
            c[(str(st), _cut(_value_text(r) or "(no reason given)", 300))] += 1
    return [(s, r, n) for (s, r), n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))][:20]


def _size_column(frame):
    """``(column, sizes as floats)`` of the first of d, n, the numeric family parameters with at least 3 distinct
    positive values; None when there is none."""
    import numpy as np
    candidates = ["d", "n"] + [c for c in family_columns(frame) if c not in ("d", "n", "seed")]
    for col in candidates:
        s = _numeric(frame, col)
        if s is None:
            continue
        vals = s.to_numpy()
        ok = np.isfinite(vals) & (vals > 0)
        if len(set(vals[ok].tolist())) >= 3:
            return col, s
    return None


def _dimension_pairs(frame, theorem) -> list:
    """``[(certified column, expected values (floats), expected label)]`` of a dimension sweep: the variety's
    dimension against ``expected_dimension`` (for liao-poggio-dimension, n - l*d from the sizes when the column
    is absent), the generic rank against an ``expected`` column or min(n, l*d). An expected dimension below 0
    means an empty variety, whose dimension is -1."""
    import numpy as np
    pairs = []
    vd, gr, exp_dim = (_numeric(frame, c) for c in ("variety_dimension", "generic_rank", "expected_dimension"))
    n, l, d = (_numeric(frame, c) for c in ("n", "l", "d"))
    sizes = n is not None and l is not None and d is not None
    if vd is not None:
        if exp_dim is not None:
            pairs.append(("variety_dimension", np.maximum(exp_dim, -1.0), "expected dimension n - l·d"))
        elif theorem == "liao-poggio-dimension" and sizes:
            pairs.append(("variety_dimension", np.maximum(n - l * d, -1.0), "expected dimension n - l·d"))
    if gr is not None:
        expected = _numeric(frame, "expected")
        if expected is not None:
            pairs.append(("generic_rank", expected, "expected generic rank"))
        elif sizes:
            pairs.append(("generic_rank", np.minimum(n, l * d), "expected generic rank min(n, l·d)"))
        elif n is not None and exp_dim is not None:
            pairs.append(("generic_rank", n - exp_dim, "expected generic rank n - expected dimension"))
    return pairs


def _defective(frame, pairs) -> list:
    """Rows (dicts) of the instances whose certified value differs from the expected one."""
    out = []
    fam = family_columns(frame)
    for col, expected, _label in pairs:
        cert = _numeric(frame, col)
        for i in range(len(frame)):
            c, e = cert.iloc[i], float(expected.iloc[i])
            if math.isfinite(c) and math.isfinite(e) and c != e:
                row = {"index": _value_text(frame["index"].iloc[i]) if "index" in frame.columns else str(i),
                       "value": col}
                row.update({f: _value_text(frame[f].iloc[i]) for f in fam})
                for k in ("n", "l", "d"):
                    if k in frame.columns:
                        row[k] = _value_text(frame[k].iloc[i])
                row.update(certified=f"{c:g}", expected=f"{e:g}", difference=f"{c - e:+g}",
                           status=_value_text(frame["status"].iloc[i]))
                out.append(row)
    return out


# ------------------------------------------------------------------------------------------------ figures
#
# Beside the certificate report's style (verifier.report.REPORT_CSS): the error badge, numbers right-aligned,
# wide tables scrolled.
_SWEEP_CSS = """
.error { background: #111827; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; max-width: 100%; }
"""


def _render_svg(key: str, draw, *, size=(7.0, 4.0)) -> str:
    """The project's SVG renderer (verifier.figures): deterministic bytes, ids prefixed by ``key``."""
    from ..figures import render_svg
    return render_svg(key, draw, size=size)


def _log_ticks(axis) -> None:
    from ..figures import plain_log_ticks
    plain_log_ticks(axis)


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(direction="out", length=3)


def _short_label(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _status_figure(frame, statuses, by_param):
    from ..figures import Figure
    panels = [(col, values) for col, values, too_many in by_param if len(values) >= 2]
    if not panels:                 # no parameter varies within the table: one panel of the first
        panels = [(col, values) for col, values, too_many in by_param if values][:1]
    if not panels:
        return None
    k = len(panels)
    ncols = min(3, k)
    nrows = math.ceil(k / ncols)

    def draw(fig):
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax in axes.flat[k:]:
            ax.set_visible(False)
        for ax, (col, values) in zip(axes.flat, panels):
            xs = list(range(len(values)))
            bottom = [0] * len(values)
            for st in statuses:
                h = [cnt.get(st, 0) for _v, cnt in values]
                if any(h):
                    ax.bar(xs, h, bottom=bottom, color=_colour(st, statuses), width=0.8, label=st,
                           edgecolor="white", linewidth=0.4)
                    bottom = [b + x for b, x in zip(bottom, h)]
            ax.set_xticks(xs)
            rot = 45 if len(values) > 8 or max(len(v) for v, _ in values) > 4 else 0
            ax.set_xticklabels([_short_label(v) or "(none)" for v, _ in values], rotation=rot,
                               ha="right" if rot else "center")
            ax.set_xlabel(col)
            ax.set_ylabel("instances")
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_xlim(-0.6, len(values) - 0.4)
            _tidy(ax)
        handles = [h for h in axes.flat[0].get_legend_handles_labels()[0]]
        labels = axes.flat[0].get_legend_handles_labels()[1]
        seen = set(labels)
        for ax in axes.flat[1:k]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in seen:
                    handles.append(h)
                    labels.append(lab)
                    seen.add(lab)
        fig.legend(handles, labels, loc="outside right upper", frameon=False, title="status")
        fig.suptitle("Status by family parameter")

    size = (7.0, 1.2 + 2.6 * nrows)
    caption = ("Counts of instances by status for each value of each family parameter with at most "
               f"{MAX_VALUES} distinct values (one panel per parameter; the other parameters vary within a bar).")
    return Figure("sweep-status", "Status by family parameter", caption, _render_svg("sweep-status", draw, size=size))


def _time_figure(frame, statuses):
    import numpy as np

    from ..figures import Figure
    if "seconds" not in frame.columns:
        return None, "the table has no seconds column"
    found = _size_column(frame)
    if found is None:
        return None, "fewer than 3 distinct instance sizes, so no time-against-size figure"
    col, size = found
    secs = _numeric(frame, "seconds")
    if secs is None:
        return None, "the seconds column is not numeric"
    x, y = size.to_numpy(), secs.to_numpy()
    st = frame["status"].astype(str).to_numpy()
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if len(set(x[ok].tolist())) < 3:
        return None, "fewer than 3 distinct instance sizes with a positive time, so no time-against-size figure"
    reasons = frame["reason"].astype(str).to_numpy() if "reason" in frame.columns else np.array([""] * len(frame))
    # the fit uses the instances that ran to the end (not an error, not stopped by a budget)
    fit_ok = ok & (st != "error") & ~np.char.startswith(reasons.astype(str), "budget:")
    slope = None
    if len(set(x[fit_ok].tolist())) >= 2:
        slope, icept = np.polyfit(np.log(x[fit_ok]), np.log(y[fit_ok]), 1)
    unit = SIZE_UNITS.get(col)
    xlabel = f"{col}, {unit}" if unit else col
    # the independent checker's time on the same certificates, when the table has it
    chk = _numeric(frame, "check_seconds") if "check_seconds" in frame.columns else None
    cy = chk.to_numpy() if chk is not None else None
    c_ok = fit_ok & np.isfinite(cy) & (cy > 0) if cy is not None else None
    c_slope = None
    if c_ok is not None and len(set(x[c_ok].tolist())) >= 2:
        c_slope, c_icept = np.polyfit(np.log(x[c_ok]), np.log(cy[c_ok]), 1)

    def draw(fig):
        ax = fig.subplots()
        for s in statuses:
            m = ok & (st == s)
            if m.any():
                ax.scatter(x[m], y[m], s=22 if ok.sum() <= 300 else 9, color=_colour(s, statuses), alpha=0.85,
                           label=s, linewidths=0, zorder=3)
        if slope is not None:
            xs = np.geomspace(x[fit_ok].min(), x[fit_ok].max(), 50)
            ax.plot(xs, np.exp(icept) * xs ** slope, color="#1d2330", linewidth=1.2, linestyle="--", zorder=2,
                    label=f"fit: time ~ {col}^{slope:.2f}")
        if c_slope is not None:
            ax.scatter(x[c_ok], cy[c_ok], s=14 if c_ok.sum() <= 300 else 7, marker="^", facecolors="none",
                       edgecolors="#4c72b0", linewidths=0.7, label="check (independent checker)", zorder=3)
            xs = np.geomspace(x[c_ok].min(), x[c_ok].max(), 50)
            ax.plot(xs, np.exp(c_icept) * xs ** c_slope, color="#4c72b0", linewidth=1.0, linestyle=":", zorder=2,
                    label=f"fit: check ~ {col}^{c_slope:.2f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator
        ys = np.concatenate([y[ok]] + ([cy[c_ok]] if c_slope is not None else []))
        if ys.max() / ys.min() < 100:       # under two decades: 1-2-5 ticks in plain numbers
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        else:
            _log_ticks(ax.yaxis)
        distinct = sorted(set(x[ok].tolist()))
        if len(distinct) <= 10:
            ax.xaxis.set_major_locator(FixedLocator(distinct))
            ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{xlabel} (log scale)")
        ax.set_ylabel("time, s (log scale)")
        ax.set_title(f"Theorem time{' and check time' if c_slope is not None else ''} against {col}")
        ax.grid(True, which="major", color="#e5e7eb", linewidth=0.6, zorder=0)
        _tidy(ax)
        ax.legend(frameon=False, loc="best")

    fit_text = (f"The dashed line is the least-squares fit of log(time) against log({col}) over the "
                f"{int(fit_ok.sum())} instances that ran to the end: time grows like {col}^{slope:.2f}."
                if slope is not None else "Too few distinct sizes among the finished instances for a fit.")
    if c_slope is not None:
        fit_text += (f" Triangles: the independent checker's time on the same certificates (check_seconds), "
                     f"growing like {col}^{c_slope:.2f}.")
    caption = (f"Theorem time (the seconds column: the computation, not the task's overhead) against {col}"
               f"{f' ({unit})' if unit else ''} on log-log axes, one point per instance coloured by status. {fit_text}")
    return Figure("sweep-time", "Time against size", caption, _render_svg("sweep-time", draw, size=(7.0, 4.2))), ""


def _dimension_figure(frame, pairs):
    import numpy as np

    from ..figures import Figure
    panels = []
    for col, expected, label in pairs:
        cert = _numeric(frame, col).to_numpy()
        exp = np.asarray(expected, dtype=float)
        ok = np.isfinite(cert) & np.isfinite(exp)
        if ok.any():
            panels.append((col, cert[ok], exp[ok], label))
    if not panels:
        return None

    def draw(fig):
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (col, cert, exp, label) in zip(axes, panels):
            pairs_count = Counter(zip(exp.tolist(), cert.tolist()))
            agree = [(e, c, k) for (e, c), k in pairs_count.items() if e == c]
            defect = [(e, c, k) for (e, c), k in pairs_count.items() if e != c]
            lo = min(exp.min(), cert.min())
            hi = max(exp.max(), cert.max())
            pad = max(0.5, 0.05 * (hi - lo))
            ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#6b7280", linewidth=1.0, linestyle="--",
                    label="y = x (as expected)", zorder=1)
            if agree:
                ax.scatter([a[0] for a in agree], [a[1] for a in agree], s=[18 + 10 * math.sqrt(a[2]) for a in agree],
                           color=STATUS_COLOURS["verified"], alpha=0.8, linewidths=0, zorder=3,
                           label=f"as expected ({sum(a[2] for a in agree)})")
            if defect:
                ax.scatter([a[0] for a in defect], [a[1] for a in defect],
                           s=[30 + 12 * math.sqrt(a[2]) for a in defect], marker="X",
                           color=STATUS_COLOURS["refuted"], zorder=4, linewidths=0,
                           label=f"defective ({sum(a[2] for a in defect)})")
            ax.set_xlim(lo - pad, hi + pad)
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_aspect("equal", adjustable="box")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_xlabel(label)
            ax.set_ylabel(f"certified {DIMENSION_LABELS.get(col, col)}")
            ax.set_title(f"Certified against expected: {col}")
            ax.grid(True, color="#e5e7eb", linewidth=0.6, zorder=0)
            _tidy(ax)
            ax.legend(frameon=False, loc="upper left")

    width = 4.2 * len(panels) + 0.6
    caption = ("The certified value of each instance against the value the family's sizes lead one to expect "
               "(marker area grows with the number of instances at a point). Points off the dashed line y = x "
               "are defective instances: listed in the table below.")
    return Figure("sweep-dimension", "Certified against expected", caption,
                  _render_svg("sweep-dimension", draw, size=(min(width, 9.0), 4.4)))


def _figures(frame, statuses, by_param, pairs):
    """``(figures, notes)``; matplotlib missing gives no figures and one note."""
    from ..figures import FiguresUnavailable, figures_available
    if not len(frame):
        return [], []
    if not figures_available():
        from ..figures import PLOTS_MISSING
        return [], [PLOTS_MISSING]
    figs, notes = [], []
    try:
        f = _status_figure(frame, statuses, by_param)
        if f is not None:
            figs.append(f)
        else:
            notes.append(f"no family parameter with at most {MAX_VALUES} distinct values, so no status figure")
        f, why = _time_figure(frame, statuses)
        if f is not None:
            figs.append(f)
        elif why:
            notes.append(why)
        if pairs:
            f = _dimension_figure(frame, pairs)
            if f is not None:
                figs.append(f)
    except FiguresUnavailable as exc:
        return [], [str(exc)]
    return figs, notes


# ------------------------------------------------------------------------------------------------ the report


def _parts(folder):
    frame, marker, note = load_results(folder)
    spec = marker.get("spec") if isinstance(marker.get("spec"), dict) else {}
    software = marker.get("software") if isinstance(marker.get("software"), dict) else {}
    theorem = str(spec.get("theorem") or (frame["theorem"].iloc[0] if len(frame) and "theorem" in frame.columns
                                          else "unknown"))
    name = str(spec.get("name") or os.path.basename(os.path.normpath(os.fspath(folder))) or "sweep")
    title_of = ""
    try:
        from ..theorems import THEOREMS
        if theorem in THEOREMS:
            title_of = THEOREMS[theorem].title
    except Exception:                      # the registry is a nicety here, never a reason to fail
        title_of = ""
    statuses = _statuses(frame)
    counts = {s: int((frame["status"].astype(str) == s).sum()) for s in statuses} if len(frame) else {}
    by_param = _by_parameter(frame, statuses) if len(frame) else []
    pairs = _dimension_pairs(frame, theorem) if len(frame) else []
    defective = _defective(frame, pairs) if pairs else []
    times = {}
    for col in ("seconds", "task_seconds"):
        s = _numeric(frame, col) if len(frame) else None
        if s is not None:
            times[col] = float(s.fillna(0).sum())
    return {"frame": frame, "spec": spec, "software": software, "theorem": theorem, "name": name,
            "theorem_title": title_of, "note": note, "statuses": statuses, "counts": counts, "by_param": by_param,
            "pairs": pairs, "defective": defective, "times": times, "reasons": _reasons(frame) if len(frame) else []}


def _results_rows(frame):
    cols = [str(c) for c in frame.columns]
    rows = []
    for rec in frame.head(MAX_ROWS).itertuples(index=False, name=None):
        rows.append([_value_text(v) for v in rec])
    return cols, rows


def _totals_line(P) -> str:
    n = len(P["frame"])
    line = f"{n} instance{'s' if n != 1 else ''}: " + ", ".join(f"{k} {v}" for k, v in P["counts"].items())
    if "seconds" in P["times"]:
        line += f"; {P['times']['seconds']:.1f} s of theorem time"
    if "task_seconds" in P["times"]:
        line += f", {P['times']['task_seconds']:.1f} s of task time"
    return line


def _spec_json(spec) -> str:
    return json.dumps(spec, indent=1, sort_keys=True, default=str)


_PCT = "{:.0f}%"


def _markdown(P, figures_dir, link_base) -> tuple:
    from ..figures import write_figures
    frame = P["frame"]
    out = [f"# Sweep {_md(P['name'])}: `{_md(P['theorem'])}`", ""]
    if P["theorem_title"]:
        out += [f"*{_md(P['theorem_title'])}*", ""]
    if P["note"]:
        out += [f"> {_md(P['note'])}", ""]
    if not len(frame):
        out += ["There are no instances in this results folder yet (no finished rows).", ""]
    else:
        out += ["## Counts by status", "", "| status | instances | share |", "|---|---:|---:|"]
        for s, c in P["counts"].items():
            out.append(f"| {_md(s)} | {c} | {_PCT.format(100 * c / len(frame))} |")
        out += ["", _md(_totals_line(P)), ""]
        out += ["## By family parameter", ""]
        if not P["by_param"]:
            out += ["The spec has no family parameters (no grid or random keys).", ""]
        for col, values, too_many in P["by_param"]:
            out += [f"### {_md(col)}", ""]
            if too_many:
                out += [f"{too_many} distinct values (more than {MAX_VALUES}): no table.", ""]
                continue
            out += ["| " + " | ".join([_md(col)] + [_md(s) for s in P["statuses"]]) + " |",
                    "|" + "---|" + "---:|" * len(P["statuses"])]
            for v, cnt in values:
                out.append("| " + " | ".join([_md(v or "(none)")] + [str(cnt.get(s, 0)) for s in P["statuses"]])
                           + " |")
            out.append("")
        if P["reasons"]:
            out += ["## Why instances were not verified", "", "| status | reason | instances |", "|---|---|---:|"]
            out += [f"| {_md(s)} | {_md(r)} | {n} |" for s, r, n in P["reasons"]]
            out.append("")
    figures = []
    if len(frame):
        out += ["## Figures", ""]
        if figures_dir is None:
            out += ["*Figures are written as SVG files with `--out FILE.md` (or in the HTML report).*", ""]
        else:
            figs, notes = _figures(frame, P["statuses"], P["by_param"], P["pairs"])
            base = link_base if link_base is not None else os.path.dirname(os.path.abspath(figures_dir))
            paths = write_figures(figs, figures_dir) if figs else []
            figures = paths
            out += [f"*{_md(_note(n))}*" for n in notes] + ([""] if notes else [])
            for f, path in zip(figs, paths):
                rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base)).replace(os.sep, "/")
                out += [f"### {f.title}", "", f"![{f.title}]({rel})", "", f.caption, ""]
                if f.key == "sweep-dimension":
                    out += _md_defective(P)
        if P["pairs"] and (figures_dir is None or not any(os.path.basename(p) == "sweep-dimension.svg"
                                                          for p in figures)):
            out += _md_defective(P)
        cols, rows = _results_rows(frame)
        out += ["## Results", ""]
        if len(frame) > MAX_ROWS:
            out += [f"The first {MAX_ROWS} of {len(frame)} instances; the whole table is `results.parquet`.", ""]
        out += ["| " + " | ".join(_md(c) for c in cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(_md(_cut(x)) for x in r) + " |" for r in rows]
        out.append("")
    out += _md_provenance(P)
    return "\n".join(out), figures


def _md_defective(P) -> list:
    d = P["defective"]
    out = ["### Defective instances", ""]
    if not d:
        return out + ["None: every certified value equals the expected one.", ""]
    cols = list(d[0].keys())
    out += ["| " + " | ".join(_md(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(_md(_cut(str(r.get(c, "")))) for c in cols) + " |" for r in d[:MAX_DEFECTIVE]]
    if len(d) > MAX_DEFECTIVE:
        out.append(f"\n... and {len(d) - MAX_DEFECTIVE} more.")
    return out + [""]


def _md_provenance(P) -> list:
    out = ["## Spec and software", "", "```json"]
    out += [html.escape(line, quote=False) for line in _spec_json(P["spec"]).splitlines()]
    out += ["```", ""]
    if P["software"]:
        out.append(", ".join(f"{_md(k)} {_md(v)}" for k, v in sorted(P["software"].items(), key=str)))
        out.append("")
    out += ["Re-check every certificate with `verifier check RESULTS_FOLDER`.", ""]
    return out





def _badge(status) -> str:
    s = str(status)
    cls = s if s in STATUS_ORDER else "unknown"
    return f'<span class="badge {cls}">{_esc(s)}</span>'


def _td(text, cls="") -> str:
    text = str(text)
    short = _cut(text)
    title = f' title="{_esc(text)}"' if short != text else ""
    c = f' class="{cls}"' if cls else ""
    return f"<td{c}{title}>{_esc(short)}</td>"


def _html(P) -> str:
    from ..report import REPORT_CSS
    frame = P["frame"]
    title = f"Sweep {P['name']}: {P['theorem']}"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(title)}</title>", f"<style>{REPORT_CSS}{_SWEEP_CSS}</style>", "</head>", "<body>", "<main>",
           f"<h1>Sweep {_esc(P['name'])}: <code>{_esc(P['theorem'])}</code></h1>"]
    if P["theorem_title"]:
        out.append(f"<blockquote>{_esc(P['theorem_title'])}</blockquote>")
    if P["note"]:
        out.append(f'<p class="note">{_esc(P["note"])}</p>')
    if not len(frame):
        out.append("<p>There are no instances in this results folder yet (no finished rows).</p>")
    else:
        out += ['<h2 id="counts">Counts by status</h2>', "<table>",
                '<tr><th>status</th><th class="num">instances</th><th class="num">share</th></tr>']
        for s, c in P["counts"].items():
            out.append(f"<tr><td>{_badge(s)}</td><td class=\"num\">{c}</td>"
                       f"<td class=\"num\">{_PCT.format(100 * c / len(frame))}</td></tr>")
        out += ["</table>", f'<p class="muted">{_esc(_totals_line(P))}</p>']
        out.append('<h2 id="by-parameter">By family parameter</h2>')
        if not P["by_param"]:
            out.append('<p class="muted">The spec has no family parameters (no grid or random keys).</p>')
        for col, values, too_many in P["by_param"]:
            out.append(f"<h3><code>{_esc(col)}</code></h3>")
            if too_many:
                out.append(f'<p class="muted">{too_many} distinct values (more than {MAX_VALUES}): no table.</p>')
                continue
            out += ["<table>", f"<tr><th>{_esc(col)}</th>"
                    + "".join(f'<th class="num">{_badge(s)}</th>' for s in P["statuses"]) + "</tr>"]
            for v, cnt in values:
                out.append(f"<tr>{_td(v or '(none)')}"
                           + "".join(f'<td class="num">{cnt.get(s, 0)}</td>' for s in P["statuses"]) + "</tr>")
            out.append("</table>")
        if P["reasons"]:
            out += ['<h2 id="reasons">Why instances were not verified</h2>', "<table>",
                    '<tr><th>status</th><th>reason</th><th class="num">instances</th></tr>']
            out += [f"<tr><td>{_badge(s)}</td>{_td(r)}<td class=\"num\">{n}</td></tr>" for s, r, n in P["reasons"]]
            out.append("</table>")
        figs, notes = _figures(frame, P["statuses"], P["by_param"], P["pairs"])
        out.append('<h2 id="figures">Figures</h2>')
        out += [f'<p class="note">{_esc(_note(n))}</p>' for n in notes]
        for f in figs:
            out += [f'<figure id="fig-{_esc(f.key)}">', f"<h3>{_esc(f.title)}</h3>", f.svg,
                    f"<figcaption>{_esc(f.caption)}</figcaption>", "</figure>"]
            if f.key == "sweep-dimension":
                out += _html_defective(P)
        if P["pairs"] and not any(f.key == "sweep-dimension" for f in figs):
            out += _html_defective(P)
        cols, rows = _results_rows(frame)
        out.append('<h2 id="results">Results</h2>')
        if len(frame) > MAX_ROWS:
            out.append(f'<p class="muted">The first {MAX_ROWS} of {len(frame)} instances; the whole table is '
                       "<code>results.parquet</code>.</p>")
        out += ['<div class="wide">', "<table>", "<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in cols) + "</tr>"]
        si = cols.index("status") if "status" in cols else -1
        for r in rows:
            out.append("<tr>" + "".join(f"<td>{_badge(x)}</td>" if j == si else _td(x) for j, x in enumerate(r))
                       + "</tr>")
        out += ["</table>", "</div>"]
    out += ['<h2 id="provenance">Spec and software</h2>', f"<pre>{_esc(_spec_json(P['spec']))}</pre>"]
    if P["software"]:
        out.append('<p class="muted">' + _esc(", ".join(f"{k} {v}" for k, v in sorted(P["software"].items(), key=str)))
                   + "</p>")
    out += ["<p>Re-check every certificate with <code>verifier check RESULTS_FOLDER</code>.</p>",
            "</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _html_defective(P) -> list:
    d = P["defective"]
    out = ['<h3 id="defective">Defective instances</h3>']
    if not d:
        return out + ['<p class="muted">None: every certified value equals the expected one.</p>']
    cols = list(d[0].keys())
    out += ['<div class="wide">', "<table>", "<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in cols) + "</tr>"]
    out += ["<tr>" + "".join(_td(r.get(c, "")) for c in cols) + "</tr>" for r in d[:MAX_DEFECTIVE]]
    out += ["</table>", "</div>"]
    if len(d) > MAX_DEFECTIVE:
        out.append(f'<p class="muted">... and {len(d) - MAX_DEFECTIVE} more.</p>')
    return out


def render_sweep_report(folder, format: str = "html", *, figures_dir=None, link_base=None) -> SweepReport:
    """The report of a sweep results folder with what the command line needs besides its text.

    ``format`` is ``"html"`` (one page, figures inline) or ``"md"`` (figures written as SVG files into
    ``figures_dir`` when given, linked relative to ``link_base``; none otherwise)."""
    if format not in ("html", "md"):
        raise InputError(f"report format {format!r}: use html or md")
    P = _parts(folder)
    if format == "html":
        text, figures = _html(P), []
    else:
        text, figures = _markdown(P, figures_dir, link_base)
    return SweepReport(text, figures, P["counts"], P["theorem"], len(P["frame"]))


def sweep_report(folder, format: str = "html", *, figures_dir=None, link_base=None) -> str:
    """The report of a sweep results folder as text: HTML (one self-contained page with inline SVG figures) or
    Markdown (``format="md"``; figures as SVG files in ``figures_dir`` when given). See the module docstring.

    Raises
    ------
    InputError
        ``folder`` is not a sweep results folder, or its table cannot be read nor rebuilt from its rows.
    """
    return render_sweep_report(folder, format, figures_dir=figures_dir, link_base=link_base).text
