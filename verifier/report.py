"""A readable Markdown report of a certificate, read from the certificate alone."""

from __future__ import annotations

from .checker.format import instance_hash

_WHY = {
    "distinct-inputs": "Cooper's theorems assume distinct inputs; a repeated x_i with different targets makes M empty.",
    "activation-rectified": "Lemma 3.3 needs sigma = 0 on t <= 0 and increasing on t > 0, which makes A triangular.",
    "activation-smooth": "Theorem 2.1 needs H to be smooth, which holds when every activation is.",
    "overparameterized": "With n > l*d the solution set of l*d equations can have dimension n - l*d > 0.",
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
}


def _cell(text) -> str:
    """Text for a Markdown table cell: pipes escaped, one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_report(cert: dict) -> str:
    """Markdown for a certificate (a parsed JSON object)."""
    s = cert.get("summary", {})
    lines = [f"# {cert.get('theorem')}: {cert.get('status')}", "",
             f"> {cert.get('statement', '')}", ""]
    if cert.get("status") != "verified" and cert.get("reason"):
        lines += [f"**Reason:** {cert['reason']}", ""]
    lines += ["## Instance", "",
              "| | |", "|---|---|",
              f"| network | {_cell(s.get('network', '?'))} |",
              f"| parameters n | {s.get('n', '?')} |",
              f"| data points d | {s.get('d', '?')} |",
              f"| outputs l | {s.get('l', '?')} |",
              f"| input dimension p | {s.get('p', '?')} |",
              f"| equations l*d | {s.get('l', 0) * s.get('d', 0) if s else '?'} |",
              f"| instance sha256 | `{instance_hash(cert['instance'])[:16]}` |",
              f"| arithmetic | Arb balls, {cert.get('prec_bits')} bits |",
              f"| seed | {cert.get('seed')} |", "",
              "## Claims", "",
              "| claim | status | scope | what was shown |", "|---|---|---|---|"]
    for c in cert.get("claims", []):
        lines.append(f"| `{c['id']}` | {c['status']} | {c['scope']} | {_cell(c.get('message', ''))} |")
    lines += [""]
    for c in cert.get("claims", []):
        lines += [f"### `{c['id']}`: {c['status']}", "", c.get("statement", ""), ""]
        if c["id"] in _WHY:
            lines += [f"*Why it matters:* {_WHY[c['id']]}", ""]
        ev = {k: v for k, v in c.get("evidence", {}).items() if k not in ("unknowns", "columns", "rows", "order",
                                                                           "spectrum", "spectrum_zeros", "a")}
        if ev:
            lines += ["Evidence: " + ", ".join(f"{k} = `{v}`" for k, v in ev.items()), ""]
        ev_all = c.get("evidence", {})
        if ev_all.get("spectrum"):
            spec = ev_all["spectrum"]
            lines += [f"Spectrum of Hess L at w* (Arb enclosures over the box): {len(spec)} positive eigenvalues, "
                      f"smallest {spec[0]}, largest {spec[-1]}, and {ev_all.get('spectrum_zeros')} zeros.", ""]
    if cert.get("out_of_scope"):
        lines += ["## Not claimed", ""] + [f"- {x}" for x in cert["out_of_scope"]] + [""]
    if cert.get("notes"):
        lines += ["## Notes", ""] + [f"- {x}" for x in cert["notes"]] + [""]
    sw = cert.get("software", {})
    t = cert.get("timings_s", {})
    lines += ["## Provenance", "",
              f"verifier {sw.get('verifier')}, python-flint {sw.get('python-flint')}, Python {sw.get('python')}; "
              f"timings: " + (", ".join(f"{k} {v:.2f} s" for k, v in t.items()) or "none recorded"), "",
              "Re-check with `verifier check CERT.json`.", ""]
    return "\n".join(lines)
