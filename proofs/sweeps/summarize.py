"""docs/sweeps.md from the three showcase sweeps' results folders (tables beside published and expected values).

    verifier sweep proofs/sweeps/neurovariety.toml --out proofs/sweeps/neurovariety
    verifier sweep proofs/sweeps/deep-linear.toml --out proofs/sweeps/deep-linear
    verifier sweep proofs/sweeps/cooper-4.1-growth.toml --out proofs/sweeps/cooper-4.1-growth
    PYTHONPATH=. python proofs/sweeps/summarize.py > docs/sweeps.md
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))

# Published complex counts NC (Bharadwaj 2022, Table 3.1, H = 1, d = 1, m = 1) by (dx, dy), and the counts of
# the bigger settings in docs/deep-linear-critical-points.md (msolve, confirmed by Singular) by (H, d, dx, dy, m).
PUBLISHED_NC = {(1, 1): 5, (2, 1): 5, (3, 1): 5, (1, 2): 9, (2, 2): 9, (3, 2): 9, (1, 3): 13, (2, 3): 13, (3, 3): 13}
PUBLISHED_MAX_NR = 3
DOCS_NC = {(2, 1, 1, 1, 1): 17, (3, 1, 1, 1, 1): 49, (2, 1, 2, 2, 1): 33, (1, 2, 1, 1, 1): 9, (1, 2, 2, 2, 1): 33,
           (2, 2, 1, 1, 1): 129, (1, 3, 2, 2, 1): 73, (1, 2, 3, 3, 1): 69, (1, 1, 2, 2, 2): 17}


def table(folder):
    return pd.read_parquet(os.path.join(folder, "results.parquet"))


def spec_of(folder):
    with open(os.path.join(folder, "sweep.json")) as fh:
        return json.load(fh)["spec"]


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def value(row, col, default):
    v = row.get(col, default)
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else v


def ktb_expected(widths, r):
    """Kileel-Trager-Bruna: min(d_h + sum_i (d_{i-1} - 1) d_i, d_h * #monomials of degree r^(h-1))."""
    h = len(widths) - 1
    params = widths[-1] + sum((widths[i - 1] - 1) * widths[i] for i in range(1, h + 1))
    ambient = widths[-1] * math.comb(widths[0] + r ** (h - 1) - 1, r ** (h - 1))
    return min(params, ambient), params, ambient


def rank_bounds(folder, row):
    """The generic-rank claim's proven bounds (the row's columns, else read from the stored certificate)."""
    lo, hi = value(row, "generic_rank_lower", None), value(row, "generic_rank_upper", None)
    if lo is not None:
        return int(lo), int(hi)
    path = value(row, "certificate", None)
    if not path or not os.path.exists(os.path.join(folder, path)):
        return None, None
    with open(os.path.join(folder, path)) as fh:
        doc = json.load(fh)
    for claim in doc.get("claims", []):
        ev = claim.get("evidence") or {}
        if claim.get("id") == "generic-rank" and isinstance(ev.get("lower"), int):
            return ev["lower"], ev["upper"]
    return None, None


def factorization_of(folder, row):
    """The upper bound's factorization H = Psi o phi in the stored certificate, in words ("" if none)."""
    path = value(row, "certificate", None)
    if not path or not os.path.exists(os.path.join(folder, path)):
        return ""
    with open(os.path.join(folder, path)) as fh:
        doc = json.load(fh)
    for claim in doc.get("claims", []):
        ev = (claim.get("evidence") or {}) if claim.get("id") == "generic-rank" else {}
        fa = ev.get("factorization")
        if fa:
            N, k = len(fa["variables"]), fa["field_rank"]
            return (f" The certificate's upper bound: H factors {fa['description']}, through Q^{N} with {k} "
                    f"field{'s' if k != 1 else ''} of Psi: r <= {N} - {k} = {N - k}.")
        if ev.get("fields") and ev.get("upper") is not None:
            k = ev["field_rank"]
            return (f" The certificate's upper bound: {len(ev['fields'])} symmetry fields of rank {k}: "
                    f"r <= n - {k} = {ev['upper']}.")
    return ""


def neurovariety(folder):
    t = table(folder)
    spec = spec_of(folder)
    base = spec["network"]
    rows, defective, verified = [], [], 0
    for _, row in t.iterrows():
        row = row.to_dict()
        widths = [int(value(row, "network.inputs", base.get("inputs")))]
        hidden = value(row, "network.widths", None)
        widths += json.loads(hidden) if isinstance(hidden, str) else list(base.get("widths"))
        widths.append(int(value(row, "network.outputs", base.get("outputs", 1))))
        act = value(row, "network.activation", None)
        r = (json.loads(act) if isinstance(act, str) else base["activation"])["r"]
        exp, params, ambient = ktb_expected(widths, r)
        rank = value(row, "generic_rank", None)
        status = row["status"]
        verified += status == "verified"
        lo, hi = rank_bounds(folder, row)
        got = str(int(rank)) if rank is not None else (f"{lo} <= r <= {hi}" if lo is not None else "-")
        if rank is None and lo is not None and lo > exp:
            mark = "**above expected**"
        mark = mark if rank is None and lo is not None and lo > exp else ""
        if rank is None and lo is not None and hi < exp:
            mark = "**defective**"
            defective.append((widths, r, f"r <= {hi}", exp, ""))
        elif rank is None and lo is not None and lo < exp:
            mark = "lower bound below expected"
            defective.append((widths, r, f"{lo} <= r <= {hi} (not proven defective)", exp, ""))
        if rank is not None and int(rank) != exp:
            mark = "**defective**" if int(rank) < exp else "**above**"
            defective.append((widths, r, int(rank), exp, factorization_of(folder, row)))
        rows.append(("-".join(map(str, widths)), r, int(value(row, "d", 0)), int(value(row, "n", 0)), params, ambient,
                     exp, got, status, mark, f"{row['seconds']:.2f}"))
    return rows, defective, verified, len(t)


def deep_linear(folder):
    t = table(folder)
    base = spec_of(folder)["network"]
    rows = []
    for _, row in t.iterrows():
        row = row.to_dict()
        key = tuple(int(value(row, f"network.{k}", base[k])) for k in ("hidden", "width", "inputs", "outputs",
                                                                         "points"))
        H, d, dx, dy, m = key
        published = PUBLISHED_NC.get((dx, dy)) if (H, d, m) == (1, 1, 1) else None
        docs = DOCS_NC.get(key)
        exact = bool(value(row, "exact", False))
        certified = int(value(row, "certified", 0))
        ref = f"{published} (Table 3.1)" if published is not None else (f"{docs} (msolve + Singular)" if docs else "-")
        agree = ("yes" if certified == (published or docs) else "**no**") if exact and (published or docs) else \
            "real only" if not exact else "-"
        rows.append((H, d, dx, dy, m, int(value(row, "unknowns", 0)), certified, int(value(row, "real", 0)),
                     "yes" if exact else "no", ref, agree, value(row, "options.method", "homotopy"),
                     f"{row['seconds']:.1f}"))
    return rows


def growth(folder):
    t = table(folder)
    t = t[t["status"] == "verified"]
    d = t["d"].to_numpy(float)
    out = {}
    for col in ("seconds", "check_seconds"):
        y = t[col].to_numpy(float)
        ok = (d > 0) & (y > 0)
        slope, icpt = np.polyfit(np.log(d[ok]), np.log(y[ok]), 1)
        out[col] = (slope, math.exp(icpt))
    bins = [10, 20, 50, 100, 200, 500, 1001]
    rows = []
    for lo, hi in zip(bins, bins[1:]):
        sel = t[(t["d"] >= lo) & (t["d"] < hi)]
        if len(sel):
            rows.append((f"{lo}-{hi - 1}", len(sel), f"{sel['seconds'].median():.3f}", f"{sel['seconds'].max():.3f}",
                         f"{sel['check_seconds'].median():.3f}", f"{sel['check_seconds'].max():.3f}"))
    return out, rows, len(table(folder)), len(t)


def main():
    nv = os.path.join(HERE, "neurovariety")
    dl = os.path.join(HERE, "deep-linear")
    gr = os.path.join(HERE, "cooper-4.1-growth")
    print("# Showcase sweeps\n")
    print("Three families run with `verifier sweep` (docs/sweep-format.md). Each spec is in `proofs/sweeps/`, each "
          "results folder beside it (table, rows, certificates; `verifier check FOLDER` re-verifies them) with its "
          "HTML report (`verifier report FOLDER --format html --out FOLDER.html`). This page is written by "
          "`proofs/sweeps/summarize.py` from the results folders.\n")
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; times are wall-clock per instance "
          "on a 2-worker LocalCluster.\n")
    if os.path.isdir(nv):
        rows, defective, verified, total = neurovariety(nv)
        print("## Neurovariety dimensions\n")
        print("`verifier sweep proofs/sweeps/neurovariety.toml --out proofs/sweeps/neurovariety`\n")
        print("Networks with t -> t^r at every hidden layer and no biases, widths (d_0, ..., d_h). f is a "
              "homogeneous polynomial of degree r^(h-1) in d_0 variables per output, so the function space has "
              "dimension at most d_h * #monomials (ambient). With as many generic data points as monomials, the "
              "data map is injective on that space and the certified generic rank of J is the dimension of the "
              "neurovariety. Expected (Kileel, Trager and Bruna 2019): min(d_h + sum_i (d_(i-1) - 1) d_i, ambient).\n")
        print(f"{verified} of {total} architectures certified (generic rank proven from both sides): the lower bound "
              "is a nonzero minor of J at a random point (exact mod p), the upper one the least of min(n, l*d), the "
              "function space, the symmetry fields, a factorization of H through a cut of the network (Psi's "
              "variables less its scaling fields) and polynomial kernel vectors of J over Q(w) (Cramer's rule on "
              "the lower bound's minor, Singular's syz); the checker re-derives each"
              + (". Where the bounds do not meet, the table gives lower <= r <= upper: the search for an upper "
                 "bound ran past the instance's timeout.\n" if verified < total else ".\n"))
        print(md_table(("widths", "r", "points", "n", "params - symmetries", "ambient", "expected", "certified rank",
                        "status", "", "s"), rows))
        print()
        if defective:
            print("Architectures whose certified dimension, or proven lower bound, differs from the expected one "
                  "(the lower bound is a random point's rank, so it is the generic rank with high probability):\n")
            for widths, r, got, exp, why in defective:
                print(f"- {'-'.join(map(str, widths))}, r = {r}: certified {got}, expected {exp}.{explain(widths, r, got, why)}")
            print()
    if os.path.isdir(dl):
        print("## Critical points of regularised deep linear networks\n")
        print("`verifier sweep proofs/sweeps/deep-linear.toml --out proofs/sweeps/deep-linear`\n")
        print("All complex critical points of L (grad L = 0) certified in Krawczyk boxes (homotopy); the count is "
              "exact where it meets a Bezout bound. The msolve rows certify the real critical points only. The "
              "real counts depend on the seeded data (published max NR over 100 instances: 3 for the reference "
              "rows).\n")
        print(md_table(("H", "d", "dx", "dy", "m", "N", "certified", "real", "exact", "published NC", "agrees",
                        "method", "s"), deep_linear(dl)))
        print()
    if os.path.isdir(gr):
        fits, rows, total, verified = growth(gr)
        print("## Theorem 4.1 on 200 random datasets\n")
        print("`verifier sweep proofs/sweeps/cooper-4.1-growth.toml --out proofs/sweeps/cooper-4.1-growth`\n")
        print(f"{verified} of {total} instances verified. Least-squares fit on log-log axes: verify time ~ "
              f"{fits['seconds'][1]:.2e} d^{fits['seconds'][0]:.2f} s, check time ~ "
              f"{fits['check_seconds'][1]:.2e} d^{fits['check_seconds'][0]:.2f} s.\n")
        print(md_table(("d", "instances", "verify median s", "verify max s", "check median s", "check max s"), rows))
        print()
        print("The certificates of this sweep are not committed (about 40 MB); the table, rows and report are. "
              "The command above regenerates them.\n")


def explain(widths, r, got, why=""):
    h = len(widths) - 1
    if any(w == 1 for w in widths[1:-1]):
        return (" A hidden layer of width 1 passes one scalar g(x) on, so every output is c_k g(x)^(r^j): the "
                "function space is far smaller than the parameter count suggests.")
    if any(widths[i] < widths[0] for i in range(1, h)) and h >= 3:
        return (" A hidden layer narrower than the input (a bottleneck after the first layer) confines f to "
                "compositions through a low-dimensional polynomial map; the parameter count overstates the "
                "dimension, as Kileel, Trager and Bruna note for bottlenecks.")
    if widths[-1] == 1 and h == 2 and widths[1] >= 2 and r == 2:
        return (" Sums of d_1 squares of linear forms in d_0 variables: quadratic forms of rank <= d_1, whose "
                "variety has dimension below the parameter count when d_1 < d_0 (Alexander-Hirschowitz).")
    if widths == [2, 3, 2, 2] and r == 2:
        return (" Three squares of linear forms span every binary quadratic, so the second layer gives two arbitrary "
                "binary quadratics Q_1, Q_2 and both outputs lie in the plane span{Q_1^2, Q_2^2} of quartics: the "
                "plane costs 2 + 2 parameters (each Q_j up to scale), the two outputs in it 4 more: 8 < 10.")
    return why or " (see the report's defective-instances table)"


if __name__ == "__main__":
    sys.exit(main())
