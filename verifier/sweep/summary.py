"""The summary table of a sweep, as text (the command line's closing table)."""

from __future__ import annotations

__all__ = ["summary_text", "family_columns"]


def family_columns(frame) -> list:
    """The family parameters (the spec's grid and random keys) of a results table."""
    return [c for c in frame.columns if "." in c or c == "seed"]


def summary_text(frame) -> str:
    """Counts by status for each value of each family parameter, then the totals and the time spent."""
    if not len(frame):
        return "no instances"
    lines = []
    statuses = sorted(frame["status"].unique())
    for col in family_columns(frame):
        values = frame[col].unique()
        if len(values) > 30:
            continue
        head = f"{col:>24}  " + "  ".join(f"{s:>14}" for s in statuses)
        lines += [head, "-" * len(head)]
        for v in sorted(values, key=lambda x: (str(type(x)), x)):
            sub = frame[frame[col] == v]
            lines.append(f"{str(v)[:24]:>24}  " + "  ".join(f"{int((sub['status'] == s).sum()):>14}"
                                                            for s in statuses))
        lines.append("")
    counts = frame["status"].value_counts()
    total_s = float(frame["seconds"].sum())
    lines.append(f"{len(frame)} instances: " + ", ".join(f"{k} {int(v)}" for k, v in counts.items())
                 + f"; {total_s:.1f} s of theorem time")
    return "\n".join(lines)
