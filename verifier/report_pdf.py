"""The report of a certificate as one PDF file, drawn with matplotlib alone (the ``plots`` extra).

The text pages say what the Markdown and HTML reports say: they lay out the same parts
(:func:`verifier.report.report_content`, built once per certificate) in the same order, wrapped to the page
width; ``verifier.report`` hands them over, so this module needs nothing from it.
One page per figure follows, each figure drawn again from its stored ``draw`` callable (as
:func:`verifier.figures.figure_bytes` does) with its title and caption. The file carries no creation date
and no producer string, so one certificate gives the same bytes every time.
"""

from __future__ import annotations

import textwrap

from .checker.format import RIGOROUS_TIER

PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}     # portrait, in points
_MARGIN = 54.0                                                   # 0.75 in on every side
_BADGE = {"verified": "#1f8a4c", "refuted": "#c0392b", "inconclusive": "#b7791f", "not-applicable": "#4b5563"}
_FLOAT_BADGE = "#2f7d6d"

# name -> (size in points, weight, colour, family, style)
_STYLES = {
    "h1": (15.0, "bold", "#1d2330", "sans-serif", "normal"),
    "h2": (12.0, "bold", "#1d2330", "sans-serif", "normal"),
    "h3": (10.0, "bold", "#1d2330", "sans-serif", "normal"),
    "body": (9.0, "normal", "#1d2330", "sans-serif", "normal"),
    "bold": (9.0, "bold", "#1d2330", "sans-serif", "normal"),
    "quote": (9.5, "normal", "#1d2330", "sans-serif", "italic"),
    "muted": (8.5, "normal", "#4b5563", "sans-serif", "normal"),
    "why": (8.5, "normal", "#3d4658", "sans-serif", "italic"),
    "note": (9.0, "bold", "#6b4d00", "sans-serif", "normal"),
    "cell": (8.0, "normal", "#1d2330", "sans-serif", "normal"),
    "head": (8.0, "bold", "#1d2330", "sans-serif", "normal"),
    "code": (7.5, "normal", "#1d2330", "monospace", "normal"),
    "footer": (7.5, "normal", "#6b7280", "sans-serif", "normal"),
}
_RULE = "#dde1e7"


def _plain(text) -> str:
    """Report text as the PDF shows it: `code` spans lose their backticks (HTML sets them as code)."""
    return str(text).replace("`", "")


class _Fonts:
    """Widths of strings in points, unhinted, from the fonts matplotlib embeds in the PDF (exact wrapping)."""

    def __init__(self):
        from matplotlib.textpath import TextToPath
        self._ttp, self._props = TextToPath(), {}

    def width(self, text: str, style: str) -> float:
        from matplotlib.font_manager import FontProperties
        if style not in self._props:
            size, weight, _, family, slant = _STYLES[style]
            self._props[style] = FontProperties(family=family, weight=weight, style=slant, size=size)
        return self._ttp.get_text_width_height_descent(text, self._props[style], ismath=False)[0] * 1.03

    def wrap(self, text: str, style: str, width: float) -> list:
        """``text`` in lines no wider than ``width`` points (textwrap, narrowed until every line fits).
        Line breaks in the text are spaces, as on the HTML page."""
        para = " ".join(str(text).split("\n"))
        if not para.strip():
            return []
        full = self.width(para, style)
        if full <= width:
            return [para]
        chars = max(4, int(len(para) * width / full))
        while True:
            lines = textwrap.wrap(para, chars, break_long_words=True, break_on_hyphens=False)
            if chars <= 4 or all(self.width(line, style) <= width for line in lines):
                return lines
            chars -= max(1, chars // 25)


class _Row:
    """One line of the text pages: its height, its strings [(x, text, style)] and decorations."""

    __slots__ = ("height", "texts", "decor", "keep", "space")

    def __init__(self, height, texts=(), decor=(), keep=0, space=False):
        self.height, self.texts, self.decor, self.keep, self.space = height, list(texts), list(decor), keep, space


def _leading(style: str) -> float:
    return _STYLES[style][0] * 1.32


class _Layout:
    """The report's parts as rows of text, wrapped to the body width."""

    def __init__(self, width: float):
        self.width, self.fonts, self.rows = width, _Fonts(), []

    def space(self, h: float) -> None:
        self.rows.append(_Row(h, space=True))

    def heading(self, text, level: str) -> None:
        self.space({"h1": 0.0, "h2": 12.0, "h3": 7.0}[level])
        lines = self.fonts.wrap(_plain(text), level, self.width)
        for i, line in enumerate(lines):
            decor = [("rule", 0.0, self.width)] if level == "h2" and i == len(lines) - 1 else []
            self.rows.append(_Row(_leading(level) + (3.0 if decor else 0.0), [(0.0, line, level)], decor,
                                 keep=3 if i == len(lines) - 1 else 1))
        self.space(3.0)

    def para(self, text, style="body", *, indent=0.0, bullet=None, bar=None, after=4.0) -> None:
        if not str(text).strip():
            return
        lines = self.fonts.wrap(_plain(text), style, self.width - indent)
        for i, line in enumerate(lines):
            texts = [(indent, line, style)]
            if bullet and i == 0:
                texts.append((indent - 10.0, bullet, style))
            self.rows.append(_Row(_leading(style), texts, [("bar", -8.0, bar)] if bar else []))
        self.space(after)

    def badge(self, text, colour) -> None:
        self.rows.append(_Row(_leading("h3") + 6.0, [(3.0, text, "badge:" + colour)]))
        self.space(4.0)

    def table(self, rows, fractions, *, header=None, styles=None) -> None:
        """A table: each cell wrapped to its column; a rule under every row."""
        pad = 4.0
        xs, x = [], 0.0
        for f in fractions:
            xs.append(x)
            x += f * self.width
        widths = [f * self.width - pad for f in fractions]
        body = [(list(header), ["head"] * len(header))] if header else []
        body += [(list(r), list(styles or ["cell"] * len(r))) for r in rows]
        for k, (cells, sts) in enumerate(body):
            wrapped = [self.fonts.wrap(_plain(c), st, w) or [""] for c, st, w in zip(cells, sts, widths)]
            n = max(len(w) for w in wrapped)
            lead = max(_leading(st) for st in sts)
            for i in range(n):
                texts = [(xs[j], col[i], sts[j]) for j, col in enumerate(wrapped) if i < len(col) and col[i]]
                last = i == n - 1
                decor = [("rule", 0.0, self.width)] if last else []
                fill = [("fill", 0.0, self.width)] if k == 0 and header else []
                self.rows.append(_Row(lead + (2.0 if last else 0.0), texts, fill + decor,
                                      keep=1 if (not last or (k == 0 and header)) else 0))
        self.space(6.0)


def _text_rows(content: dict, width: float) -> list:
    """The report's text (:func:`verifier.report.report_content`, in the HTML page's order) as rows."""
    P, figs, why = content["parts"], content["figures"], content["why"]
    L = _Layout(width)
    L.heading(content["headline"], "h1")
    float_tier = P["tier"] != RIGOROUS_TIER
    colour = _FLOAT_BADGE if float_tier and P["status"] == "verified" else _BADGE.get(P["status"], "#6b7280")
    L.badge(content["status_line"] if float_tier else f"{P['status']}   (tier: {P['tier']})", colour)
    L.para(P["statement"], "quote", indent=0.0, bar="#9aa5b8", after=6.0)
    if P["meaning"]:
        L.para(f"{P['status']}: {P['meaning']}", "muted")
    L.para(P["check"], "muted" if P["accepted"] else "note")
    if P["reason"]:
        L.para(f"Reason: {P['reason']}", "bold")
    L.heading("Instance", "h2")
    L.table([(k, v) for k, v, _ in P["instance"]], (0.27, 0.73))
    for sec in P["sections"]:
        L.heading(sec["title"], "h2")
        L.para(sec["intro"], "muted")
        if sec["rows"]:
            ncol = max(len(r) for r in sec["rows"])
            L.table(sec["rows"], [1.0 / ncol] * ncol, header=sec["header"] or None)
        L.para(sec["more"], "muted")
        for item in sec["items"]:
            L.para(item, "note" if sec.get("note") else "body", indent=12.0, bullet="\u2022", after=2.0)
    L.heading("Claims", "h2")
    L.table([(c["id"], c["status"], c["scope"], c["message"]) for c in P["claims"]], (0.22, 0.12, 0.14, 0.52),
            header=("claim", "status", "scope", "what was shown"))
    for c in P["claims"]:
        L.heading(f"{c['id']}: {c['status']}   (scope: {c['scope']})", "h3")
        L.para(c["statement"])
        if c["why"]:
            L.para(f"Why it matters: {c['why']}", "why")
        if c["evidence"]:
            L.para("Evidence: " + ", ".join(f"{k} = {v}" for k, v in c["evidence"]), "cell")
        if c["spectrum"]:
            L.para(c["spectrum"], "cell")
    L.heading("Figures", "h2")
    if figs:
        L.para(content["figures_sentence"], "muted")
    if why:
        L.para(content["why_sentence"], "note")
    for i, f in enumerate(figs, 1):
        L.para(f"Figure {i}: {f.title} (on the pages that follow)", indent=12.0, bullet="\u2022", after=2.0)
    if P["out_of_scope"]:
        L.heading("Not claimed", "h2")
        for x in P["out_of_scope"]:
            L.para(x, indent=12.0, bullet="\u2022", after=2.0)
    if P["notes"]:
        L.heading("Notes (commentary: not checked)", "h2")
        for x in P["notes"]:
            L.para(x, indent=12.0, bullet="\u2022", after=2.0)
    L.heading("Provenance", "h2")
    L.para(P["provenance"])
    L.para("Re-check with verifier check CERT.json.")
    return L.rows


def _paginate(rows, height: float) -> list:
    """Rows into pages of at most ``height`` points; a heading is kept with the rows it introduces."""
    pages, page, used = [], [], 0.0
    i = 0
    while i < len(rows):
        r = rows[i]
        if r.space and not page:
            i += 1
            continue
        need, j = r.height, i
        while rows[j].keep and j + 1 < len(rows):       # a heading, a table head: keep with what follows
            j += 1
            need += rows[j].height
        if page and used + min(need, height / 3) > height:
            pages.append(page)
            page, used = [], 0.0
            continue
        page.append(r)
        used += r.height
        i += 1
    if page:
        pages.append(page)
    return pages


def _text_kwargs(style: str) -> dict:
    size, weight, colour, family, slant = _STYLES[style]
    return {"fontsize": size, "fontweight": weight, "color": colour, "family": family, "fontstyle": slant}


def _draw_rows(page, rows, W: float, H: float, top: float) -> None:
    """Draw rows on a matplotlib Figure of W x H points, from ``top`` points below its upper edge."""
    from matplotlib.patches import Rectangle
    y = top
    for r in rows:
        for kind, x0, arg in r.decor:
            if kind == "rule":
                page.add_artist(Rectangle(((_MARGIN + x0) / W, 1 - (y + r.height) / H), (arg - x0) / W, 0.6 / H,
                                          transform=page.transFigure, color=_RULE, lw=0))
            elif kind == "fill":
                page.add_artist(Rectangle(((_MARGIN + x0) / W, 1 - (y + r.height) / H), (arg - x0) / W,
                                          r.height / H, transform=page.transFigure, color="#eef1f5", lw=0))
            elif kind == "bar":
                page.add_artist(Rectangle(((_MARGIN + x0) / W, 1 - (y + r.height) / H), 3.0 / W, r.height / H,
                                          transform=page.transFigure, color=arg, lw=0))
        for x, text, style in r.texts:
            if style.startswith("badge:"):
                kw = {**_text_kwargs("h3"), "color": "white",
                      "bbox": {"boxstyle": "round,pad=0.35", "facecolor": style[6:], "edgecolor": "none"}}
                page.text((_MARGIN + x) / W, 1 - (y + _STYLES["h3"][0] + 2.0) / H, text, va="baseline",
                          parse_math=False, **kw)
                continue
            base = y + _STYLES[style][0] * 1.0
            page.text((_MARGIN + x) / W, 1 - base / H, text, va="baseline", ha="left", parse_math=False,
                      **_text_kwargs(style))
        y += r.height


def _footer(page, text: str, H: float) -> None:
    page.text(0.5, (_MARGIN / 2) / H, text, ha="center", va="baseline",
              parse_math=False, **_text_kwargs("footer"))


def _figure_page(page, fig, number: int, total: int, W: float, H: float, fonts: _Fonts) -> None:
    """One figure on its page: the title above, the figure drawn again below it, the caption under it."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    body = W - 2 * _MARGIN
    title = _Layout(body)
    title.heading(f"Figure {number} of {total}: {fig.title}", "h2")
    caption = fonts.wrap(_plain(fig.caption), "muted", body)
    top_h = sum(r.height for r in title.rows)
    cap_h = len(caption) * _leading("muted")
    fw, fh = fig.svg.size
    w = min(fw * 72.0, body)
    h = min(fh * 72.0, H - 2 * _MARGIN - top_h - cap_h - 24.0)
    left, bottom = (W - w) / 2, H - _MARGIN - top_h - 6.0 - h
    page.set_layout_engine(ConstrainedLayoutEngine(rect=(left / W, bottom / H, w / W, h / H)))
    fig.svg.draw(page)
    _draw_rows(page, title.rows, W, H, _MARGIN)
    y = H - bottom + 12.0
    for line in caption:
        page.text(_MARGIN / W, 1 - (y + _STYLES["muted"][0]) / H, line, va="baseline", parse_math=False,
                  **_text_kwargs("muted"))
        y += _leading("muted")


def _pages(content: dict, paper: str = "a4"):
    """(text pages as lists of rows, figures, page size in points): the layout, nothing drawn yet."""
    W, H = PAPERS[paper]
    figs = [f for f in content["figures"] if getattr(f.svg, "draw", None) is not None]
    rows = _text_rows({**content, "figures": figs}, W - 2 * _MARGIN)
    return _paginate(rows, H - 2 * _MARGIN - 12.0), figs, (W, H)


def draw_pdf(content: dict, *, paper: str = "a4", page_hook=None) -> tuple:
    """(PDF bytes, number of pages) of a report's content (:func:`verifier.report.report_content`).
    ``page_hook(index, figure)`` sees each matplotlib page before it is saved (a test renders one as PNG
    with it)."""
    import io

    from .figures import RC, matplotlib_modules
    matplotlib, MplFigure = matplotlib_modules()
    from matplotlib.backends.backend_pdf import PdfPages
    if paper not in PAPERS:
        raise ValueError(f"paper {paper!r}: one of {', '.join(PAPERS)}")
    P = content["parts"]
    text_pages, figs, (W, H) = _pages(content, paper=paper)
    total = len(text_pages) + len(figs)
    fonts = _Fonts()
    buf = io.BytesIO()
    meta = {"Title": content["headline"], "Creator": None, "Producer": None, "CreationDate": None}
    with matplotlib.rc_context({**RC, "pdf.fonttype": 42}):
        with PdfPages(buf, metadata=meta) as pdf:
            for k in range(total):
                page = MplFigure(figsize=(W / 72.0, H / 72.0))
                if k < len(text_pages):
                    _draw_rows(page, text_pages[k], W, H, _MARGIN)
                else:
                    n = k - len(text_pages)
                    _figure_page(page, figs[n], n + 1, len(figs), W, H, fonts)
                _footer(page, f"{P['theorem']}: {content['status_line']}   \u2014   page {k + 1} of {total}", H)
                if page_hook is not None:
                    page_hook(k, page)
                pdf.savefig(page)
    return buf.getvalue(), total
