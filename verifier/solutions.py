"""The certified solutions of a solving certificate (``solve``, ``degree``, ``critical-points``) as rows:
a readable table for the terminal, CSV and JSON files.

Every row is one box of the ``solutions-certified`` claim, numbered from 1 in the certificate's order (or, where
the claim's count is its exact parametrization's, one parametrized point in Arb balls, real roots first):
its centre (exact rational strings, and floats), its radius, whether it is real (``true``, ``false`` or
``null`` when undecided) and, for ``critical-points``, the label, inertia and loss enclosure of the
``critical-classification`` claim. Nothing here is a proof: the certificate (and ``verifier check``) is.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

__all__ = ["solution_rows", "solutions_table", "solutions_csv", "solutions_json", "solutions_file_text",
           "SOLUTIONS_FORMATS", "TABLE_ROWS"]

SOLUTIONS_FORMATS = (".csv", ".json")
TABLE_ROWS = 20          # rows shown in the terminal; the rest is counted
TABLE_COLUMNS = 6        # coordinates shown in the terminal; all of them are in the files


def _float(text) -> float:
    from .checker.format import parse_rational
    q = parse_rational(text)
    return float(Fraction(int(q.p), int(q.q)))


def _doc(cert) -> dict:
    return cert.to_json() if hasattr(cert, "to_json") else cert


def solution_rows(cert) -> tuple[list, list]:
    """(variable names, rows) of a solving certificate (a :class:`~verifier.certificate.Certificate` or
    its JSON). A row: ``solution`` (1-based), ``real``, ``center`` (exact ``[re, im]`` strings per
    variable), ``re``, ``im`` (floats), ``radius`` (exact string) and, for critical points, ``label``,
    ``index``, ``inertia``, ``loss`` (exact ``[lower, upper]``)."""
    doc = _doc(cert)
    names = list(doc["instance"]["system"]["variables"])
    claims = {c["id"]: c for c in doc["claims"]}
    boxes = claims.get("solutions-certified", {}).get("evidence", {}).get("boxes", [])
    points = {p["box"]: p for p in claims.get("critical-classification", {}).get("evidence", {}).get("points", [])}
    critical = "critical-classification" in claims
    rows = []
    sol_ev = claims.get("solutions-certified", {}).get("evidence", {})
    par = sol_ev.get("parametrization")
    if par is not None and sol_ev.get("certified", 0) > len(boxes):
        # the count is the parametrization's (multiple roots have no box): its points, in Arb balls
        from .checker.format import arb_to_fmpq, rational_str
        from .checker.solve.parametrization import points as parametrized_points
        for i, (xs, real) in enumerate(parametrized_points(par, len(names))):
            mids = [(arb_to_fmpq(x.real.mid()), arb_to_fmpq(x.imag.mid())) for x in xs]
            rad = max((arb_to_fmpq(r) for x in xs for r in (x.real.rad(), x.imag.rad())), default=0)
            rows.append({"solution": i + 1, "real": bool(real),
                         "center": [[rational_str(a), rational_str(b)] for a, b in mids],
                         "re": [float(a) for a, _ in mids], "im": [float(b) for _, b in mids],
                         "radius": rational_str(rad)})
        return names, rows
    for i, b in enumerate(boxes):
        row = {"solution": i + 1, "real": b.get("real"), "center": [list(z) for z in b["center"]],
               "re": [_float(z[0]) for z in b["center"]], "im": [_float(z[1]) for z in b["center"]],
               "radius": b["radius"]}
        if critical:
            p = points.get(i)
            row.update(label=p["label"] if p else None, index=p["index"] if p else None,
                       inertia=p["inertia"] if p else None, loss=p["loss"] if p else None)
        rows.append(row)
    return names, rows


def _number(re: float, im: float) -> str:
    if im == 0:
        return f"{re:.6g}"
    if re == 0:
        return f"{im:.6g}i"
    return f"{re:.6g}{im:+.6g}i"


def _realness(row) -> str:
    return {True: "real", False: "non-real"}.get(row["real"], "undecided")


def solutions_table(cert, limit: int = TABLE_ROWS, indent: str = "  ") -> list:
    """Lines of a table of the certified solutions: the first ``limit`` rows, then how many more there are;
    at most :data:`TABLE_COLUMNS` coordinates (the files have all of them)."""
    names, rows = solution_rows(cert)
    if not rows:
        return [f"{indent}solutions   none certified"]
    critical = "label" in rows[0]
    shown = names[:TABLE_COLUMNS]
    head = ["#", "real"] + (["label", "inertia +/-/?", "L"] if critical else []) + shown
    body = []
    for r in rows[:limit]:
        cells = [str(r["solution"]), _realness(r)]
        if critical:
            if r["label"] is None:
                cells += ["-", "-", "-"]
            else:
                lab = r["label"] + (f" (index {r['index']})" if r["label"] == "saddle" else "")
                inn = r["inertia"]
                lo, hi = (_float(x) for x in r["loss"])
                cells += [lab, f"{inn['positive']}/{inn['negative']}/{inn['undecided']}",
                          f"{lo:.6g}" if f"{lo:.6g}" == f"{hi:.6g}" else f"[{lo:.6g}, {hi:.6g}]"]
        cells += [_number(r["re"][j], r["im"][j]) for j in range(len(shown))]
        body.append(cells)
    widths = [max(len(c[k]) for c in [head] + body) for k in range(len(head))]
    fmt = "  ".join("{:>%d}" % w if k == 0 else "{:<%d}" % w for k, w in enumerate(widths))
    more = len(names) - len(shown)
    ev = next((c.get("evidence", {}) for c in _doc(cert)["claims"] if c["id"] == "solutions-certified"), {})
    what = (f"{len(rows)} parametrized point{'s' if len(rows) != 1 else ''} (exact, multiple roots included)"
            if "parametrization" in ev and ev.get("certified", 0) > len(ev.get("boxes", []))
            else f"{len(rows)} certified box{'es' if len(rows) != 1 else ''}")
    title = (f"{indent}solutions   {what}, centres to 6 digits"
             + (f" (first {len(shown)} of {len(names)} coordinates)" if more else ""))
    lines = [title] + [f"{indent}  " + fmt.format(*c).rstrip() for c in [head] + body]
    if len(rows) > limit:
        lines.append(f"{indent}  ... and {len(rows) - limit} more (all of them: --solutions-out FILE.csv|FILE.json)")
    return lines


def solutions_csv(cert) -> str:
    """One CSV row per certified solution: ``solution, real, NAME_re, NAME_im, ..., radius`` (floats; the
    exact centres are in the JSON form), then ``label, index, loss_lower, loss_upper`` for critical points."""
    names, rows = solution_rows(cert)
    critical = bool(rows) and "label" in rows[0]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["solution", "real"] + [f"{v}_{part}" for v in names for part in ("re", "im")] + ["radius"]
               + (["label", "index", "loss_lower", "loss_upper"] if critical else []))
    for r in rows:
        real = {True: "true", False: "false"}.get(r["real"], "")
        coords = [repr(x) for j in range(len(names)) for x in (r["re"][j], r["im"][j])]
        tail = []
        if critical:
            lo, hi = (repr(_float(x)) for x in r["loss"]) if r["loss"] else ("", "")
            tail = [r["label"] or "", "" if r["index"] is None else str(r["index"]), lo, hi]
        w.writerow([r["solution"], real] + coords + [repr(_float(r["radius"]))] + tail)
    return buf.getvalue()


def solutions_json(cert) -> dict:
    """``{"theorem", "variables", "count", "solutions": rows}`` (rows as :func:`solution_rows`)."""
    doc = _doc(cert)
    names, rows = solution_rows(doc)
    return {"theorem": doc["theorem"], "status": doc["status"], "variables": names, "count": len(rows),
            "solutions": rows}


def solutions_file_text(path, cert) -> str:
    """What ``--solutions-out PATH`` writes: JSON for a ``.json`` name, CSV otherwise."""
    if str(path).lower().endswith(".json"):
        return json.dumps(solutions_json(cert), indent=1) + "\n"
    return solutions_csv(cert)
