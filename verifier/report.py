"""Readable reports of a certificate (Markdown, or one self-contained HTML page), from the certificate alone."""

from __future__ import annotations

from .checker.format import instance_hash

_WHY = {
    "distinct-inputs": "Cooper's theorems assume distinct inputs; a repeated x_i with different targets makes M empty.",
    "activation-rectified": "Lemma 3.3 needs sigma = 0 on t <= 0 and increasing on t > 0, which makes A triangular.",
    "activation-smooth": "Theorem 2.1 needs H to be smooth, which holds when every activation is.",
    "overparameterized": "With n > l*d the solution set of l*d equations can have dimension n - l*d > 0.",
    "hidden-width": "Lemma 3.3 places one hidden unit per data point, so the last hidden layer needs width >= d.",
    "construction": "A triangular matrix with a positive diagonal is invertible, so the output weights "
                    "m = A^{-1} y exist and fit the data exactly.",
    "zero": "A Krawczyk inclusion K(Z) in int(Z) proves a unique zero of the square subsystem in the box: "
            "a true global minimum with L = 0, so M is nonempty.",
    "rank-J": "The Krawczyk inclusion also proves that every J_S in the box is nonsingular, so J has full rank l*d "
              "there; (1 - ||I - R J_S||)/||R|| bounds its smallest singular value from below.",
    "manifold": "Full rank at a zero gives, by the implicit function theorem, a smooth manifold of dimension "
                "n - l*d near that zero (Theorem 2.1, local form).",
    "hessian-signature": "At a zero, Hess L = 2 J^T J, whose nonzero eigenvalues are 2 sigma_k(J)^2 >= "
                         "2 sigma_min(J)^2 > 0; there are rank J = l*d of them and n - l*d zeros (Proposition 2.3).",
    "rank-J-float": "A positive definite J J^T means J has full row rank l*d at the computed point; the floating-point "
                    "Cholesky of a shifted K, with an a-priori bound on every rounding error, proves it without "
                    "forming J (n x l*d entries).",
    "zero-float": "Training stops near M, not on it; Kantorovich's theorem turns a small residual, a well-conditioned "
                  "K and a Lipschitz bound on J into a true global minimum within the stated radius.",
    "manifold-float": "Full rank persists from the computed point to the true zero because the radius is small "
                      "against sigma_min(J); the implicit function theorem gives the manifold.",
    "hessian-signature-float": "At the true zero Hess L = 2 J^T J: l*d positive eigenvalues (those of 2 J J^T, "
                               "listed at the computed point) and n - l*d exact zeros, the flat directions of M.",
}


def _cell(text) -> str:
    """Text for a Markdown table cell: pipes escaped, one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


_EVIDENCE_HIDDEN = ("unknowns", "columns", "rows", "order", "spectrum", "spectrum_zeros", "a", "assumptions")


def _instance_sha(cert) -> str:
    inst = cert["instance"]
    return inst["sha256"] if cert.get("tier") else instance_hash(inst)


def _short(key, value):
    """Evidence values for reading: polynomial lists (cofactors, charts, fields) become counts, long text is cut."""
    if key in ("cofactors", "charts", "fields"):
        polys = _polys(value)
        terms = sum(len(p.get("terms", [])) for p in polys)
        what = {"cofactors": "cofactors", "charts": f"{len(value)} charts", "fields": f"{len(value)} fields"}[key]
        return f"{what}: {len(polys)} polynomials, {terms} terms (in the certificate)"
    text = str(value)
    return text if len(text) <= 300 else text[:300] + f"... ({len(text)} characters)"


def _polys(value) -> list:
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict) and "terms" in v:
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _parts(cert: dict) -> dict:
    """The report's content, independent of the output format (Markdown and HTML render the same parts)."""
    s = cert.get("summary", {})
    instance = [("network", s.get("network", "?"), False),
                ("parameters n", s.get("n", "?"), False),
                ("data points d", s.get("d", "?"), False),
                ("outputs l", s.get("l", "?"), False),
                ("input dimension p", s.get("p", "?"), False),
                ("equations l*d", s.get("l", 0) * s.get("d", 0) if s else "?", False),
                ("instance sha256", _instance_sha(cert)[:16], True),
                ("arithmetic", s.get("arithmetic") or f"Arb balls, {cert.get('prec_bits')} bits", False),
                ("seed", cert.get("seed"), False)]
    if cert.get("tier"):
        instance += [("tier", cert["tier"], False), ("device", s.get("device", "cpu"), False),
                     ("arrays file", cert["instance"]["arrays"].get("file"), True)]
        gn = (cert.get("extra") or {}).get("gauss_newton_max_abs_H")
        if gn:
            instance.append(("Gauss-Newton max abs H per step", ", ".join(f"{float(v):.1e}" for v in gn), False))
    pt = cert.get("point")
    if isinstance(pt, dict) and pt and all(isinstance(v, str) for v in pt.values()) and not cert.get("tier"):
        instance.append(("exact point", _short("point", ", ".join(f"{k} = {v}" for k, v in pt.items())), True))
    claims = []
    for c in cert.get("claims", []):
        ev_all = c.get("evidence", {})
        spectrum = None
        if ev_all.get("spectrum"):
            spec = ev_all["spectrum"]
            spectrum = (f"Spectrum of Hess L at w* (Arb enclosures over the box): {len(spec)} positive eigenvalues, "
                        f"smallest {spec[0]}, largest {spec[-1]}, and {ev_all.get('spectrum_zeros')} zeros.")
        claims.append({"id": c["id"], "status": c["status"], "scope": c["scope"], "message": c.get("message", ""),
                       "statement": c.get("statement", ""), "why": _WHY.get(c["id"]),
                       "evidence": [(k, _short(k, v)) for k, v in ev_all.items() if k not in _EVIDENCE_HIDDEN],
                       "spectrum": spectrum})
    sw = cert.get("software", {})
    t = cert.get("timings_s", {})
    engines = ", ".join(f"{k} {v}" for k, v in sw.items() if k != "verifier")
    provenance = (f"verifier {sw.get('verifier')}, {engines}; "
                  f"timings: " + (", ".join(f"{k} {v:.2f} s" for k, v in t.items()) or "none recorded"))
    notes = list(cert.get("notes") or [])
    if cert.get("tier"):
        notes = [f"Tier: {cert['tier']}. Assumptions: " + "; ".join(cert.get("assumptions") or []) + "."] + notes
    return {"theorem": cert.get("theorem"), "status": cert.get("status"), "statement": cert.get("statement", ""),
            "reason": cert.get("reason") if cert.get("status") != "verified" else "", "instance": instance,
            "claims": claims, "out_of_scope": list(cert.get("out_of_scope") or []),
            "notes": notes, "provenance": provenance}


def _figures(cert: dict):
    """(figures, why the rest were not drawn or None): never raises for a certificate that parsed as JSON.

    The architecture figure needs only the network, so it is drawn even where the others cannot be (a
    refuted certificate has no point): then both the figures and the reason come back.
    """
    from .errors import InputError
    from .figures import FiguresUnavailable, architecture_figure, certificate_figures
    errors = (InputError, ValueError, KeyError, TypeError, ArithmeticError)

    def why_not(exc, what):
        return f"{what} not drawn: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    figs = []
    if cert.get("tier"):                   # floating-point tier: the model document has no graph to draw
        from .figures import float_figures
        try:
            return float_figures(cert), None
        except FiguresUnavailable as exc:
            return [], str(exc)
        except errors as exc:
            return [], why_not(exc, "figures")
    try:
        figs.append(architecture_figure(cert))
    except FiguresUnavailable as exc:
        return [], str(exc)
    except errors as exc:
        return [], why_not(exc, "figures")
    try:
        figs += certificate_figures(cert, architecture=False)
    except errors as exc:
        return figs, why_not(exc, "other figures")
    return figs, None


def markdown_report(cert: dict, *, figures_dir=None, link_base=None) -> str:
    """Markdown for a certificate (a parsed JSON object).

    With ``figures_dir``, the figures of :mod:`verifier.figures` are written there as SVG files and a
    "Figures" section links them by a path relative to ``link_base`` (the folder the Markdown file will
    live in; default: the parent of ``figures_dir``). Without matplotlib the section says so instead.
    """
    P = _parts(cert)
    lines = [f"# {P['theorem']}: {P['status']}", "",
             f"> {P['statement']}", ""]
    if P["reason"]:
        lines += [f"**Reason:** {P['reason']}", ""]
    lines += ["## Instance", "", "| | |", "|---|---|"]
    lines += [f"| {k} | `{v}` |" if code else f"| {k} | {_cell(v) if k == 'network' else v} |"
              for k, v, code in P["instance"]]
    lines += ["", "## Claims", "",
              "| claim | status | scope | what was shown |", "|---|---|---|---|"]
    for c in P["claims"]:
        lines.append(f"| `{c['id']}` | {c['status']} | {c['scope']} | {_cell(c['message'])} |")
    lines += [""]
    for c in P["claims"]:
        lines += [f"### `{c['id']}`: {c['status']}", "", c["statement"], ""]
        if c["why"]:
            lines += [f"*Why it matters:* {c['why']}", ""]
        if c["evidence"]:
            lines += ["Evidence: " + ", ".join(f"{k} = `{v}`" for k, v in c["evidence"]), ""]
        if c["spectrum"]:
            lines += [c["spectrum"], ""]
    if figures_dir is not None:
        lines += _markdown_figures(cert, figures_dir, link_base)
    if P["out_of_scope"]:
        lines += ["## Not claimed", ""] + [f"- {x}" for x in P["out_of_scope"]] + [""]
    if P["notes"]:
        lines += ["## Notes", ""] + [f"- {x}" for x in P["notes"]] + [""]
    lines += ["## Provenance", "", P["provenance"], "",
              "Re-check with `verifier check CERT.json`.", ""]
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _markdown_figures(cert, figures_dir, link_base) -> list:
    import os

    from .figures import write_figures
    figs, why = _figures(cert)
    lines = ["## Figures", ""]
    if not figs:
        return lines + [f"*{_sentence(why)}*", ""]
    base = link_base if link_base is not None else os.path.dirname(os.path.abspath(figures_dir))
    for f, path in zip(figs, write_figures(figs, figures_dir)):
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base)).replace(os.sep, "/")
        lines += [f"### {f.title}", "", f"![{f.title}]({rel})", "", f.caption, ""]
    if why:
        lines += [f"*{_sentence(why)}*", ""]
    lines += [("Figures are float64 pictures drawn from the certificate alone; the claims rest on the Arb "
               "computations above."), ""]
    return lines


# ------------------------------------------------------------------------------------------------ HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #dde1e7; padding-bottom: 4px; }
blockquote { margin: 0.6em 0; padding: 0.4em 1em; border-left: 4px solid #9aa5b8; background: #f3f5f8; }
table { border-collapse: collapse; margin: 0.6em 0; } td, th { border: 1px solid #dde1e7; padding: 4px 8px;
       text-align: left; vertical-align: top; } th { background: #eef1f5; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; background: #f0f2f5;
       padding: 0 3px; border-radius: 3px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em; font-weight: 600;
         color: #fff; } .verified { background: #1f8a4c; } .refuted { background: #c0392b; }
.inconclusive { background: #b7791f; } .not-applicable { background: #4b5563; } .unknown { background: #6b7280; }
.glance { display: flex; gap: 24px; flex-wrap: wrap; } .glance > div { flex: 1 1 320px; }
.claim { border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
.claim h3 { margin: 0.2em 0; font-size: 1.05em; } .why { color: #3d4658; font-style: italic; }
figure { margin: 18px 0 28px; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #3d4658; font-size: 0.93em; margin-top: 4px; } .note { color: #6b4d00; background: #fff7e0;
       padding: 6px 10px; border-radius: 4px; } .muted { color: #6b7280; font-size: 0.9em; }
"""


def _esc(x) -> str:
    import html
    return html.escape(str(x), quote=True)


def _code_spans(text) -> str:
    """Escape text and turn `backtick` spans into <code>."""
    import re
    return re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", _esc(text))


def _badge(status) -> str:
    cls = status if status in ("verified", "refuted", "inconclusive", "not-applicable") else "unknown"
    return f'<span class="badge {cls}">{_esc(status)}</span>'


def html_report(cert: dict, *, figures: bool = True) -> str:
    """One self-contained HTML page for a certificate: inline CSS and SVG figures, no scripts, no external files.

    Without matplotlib (the ``plots`` extra) the page renders all the same and says that figures need it.
    """
    P = _parts(cert)
    figs, why = _figures(cert) if figures else ([], "figures were not requested")
    counts = {}
    for c in P["claims"]:
        counts[c["status"]] = counts.get(c["status"], 0) + 1
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(P['theorem'])}: {_esc(P['status'])}</title>", f"<style>{_CSS}</style>", "</head>",
           "<body>", "<main>",
           f"<h1><code>{_esc(P['theorem'])}</code> {_badge(P['status'])}</h1>",
           f"<blockquote>{_esc(P['statement'])}</blockquote>"]
    if P["reason"]:
        out.append(f"<p><strong>Reason:</strong> {_esc(P['reason'])}</p>")
    # At a glance: the instance and the claims in one screen.
    out += ['<h2 id="glance">At a glance</h2>', '<div class="glance">', "<div>", "<table>",
            "<tr><th colspan=2>Instance</th></tr>"]
    for k, v, code in P["instance"]:
        out.append(f"<tr><td>{_esc(k)}</td><td>{f'<code>{_esc(v)}</code>' if code else _esc(v)}</td></tr>")
    out += ["</table>", "</div>", "<div>", "<table>", "<tr><th>claim</th><th>status</th><th>scope</th></tr>"]
    for c in P["claims"]:
        out.append(f'<tr><td><a href="#claim-{_esc(c["id"])}"><code>{_esc(c["id"])}</code></a></td>'
                   f"<td>{_badge(c['status'])}</td><td>{_esc(c['scope'])}</td></tr>")
    out += ["</table>", '<p class="muted">' + _esc(", ".join(f"{v} {k}" for k, v in counts.items()) or "no claims")
            + "</p>", "</div>", "</div>"]
    # Claims in plain words.
    out.append('<h2 id="claims">Claims</h2>')
    for c in P["claims"]:
        out += [f'<div class="claim" id="claim-{_esc(c["id"])}">',
                (f"<h3><code>{_esc(c['id'])}</code> {_badge(c['status'])} <span class=muted>scope: "
                 f"{_esc(c['scope'])}</span></h3>"),
                f"<p>{_esc(c['statement'])}</p>",
                f"<p><strong>What was shown:</strong> {_esc(c['message'])}</p>"]
        if c["why"]:
            out.append(f'<p class="why">Why it matters: {_esc(c["why"])}</p>')
        if c["evidence"]:
            out.append("<p><strong>Evidence:</strong> " + ", ".join(f"{_esc(k)} = <code>{_esc(v)}</code>"
                                                                    for k, v in c["evidence"]) + "</p>")
        if c["spectrum"]:
            out.append(f"<p>{_esc(c['spectrum'])}</p>")
        out.append("</div>")
    # Figures.
    out.append('<h2 id="figures">Figures</h2>')
    if figs and not why:
        out.append('<p class="muted">float64 pictures drawn from the certificate alone (network, data and the '
                   "midpoints of the certified point); the claims rest on the Arb computations above.</p>")
    if why:
        out.append(f'<p class="note">{_code_spans(_sentence(why))}</p>')
    for f in figs:
        out += [f'<figure id="fig-{_esc(f.key)}">', f"<h3>{_esc(f.title)}</h3>", f.svg,
                f"<figcaption>{_esc(f.caption)}</figcaption>", "</figure>"]
    if P["out_of_scope"]:
        out += ['<h2 id="not-claimed">Not claimed</h2>', "<ul>"] + [f"<li>{_esc(x)}</li>" for x in P["out_of_scope"]] \
            + ["</ul>"]
    if P["notes"]:
        out += ['<h2 id="notes">Notes</h2>', "<ul>"] + [f"<li>{_esc(x)}</li>" for x in P["notes"]] + ["</ul>"]
    out += ['<h2 id="provenance">Provenance</h2>', f"<p>{_esc(P['provenance'])}</p>",
            "<p>Re-check with <code>verifier check CERT.json</code>.</p>", "</main>", "</body>", "</html>", ""]
    return "\n".join(out)
