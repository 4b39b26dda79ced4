"""Answers agree with a second computer-algebra system (sympy's groebner) on tiny instances.

For random t^2 / cubic networks on 1..5 points with small rational data, the Nullstellensatz verdict
(cofactors found by Singular, re-checked by the checker; or an exact point) matches whether sympy's
reduced Groebner basis over Q is {1}.
"""

from __future__ import annotations

import pytest
import sympy
from flint import fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.activations import identity, power
from verifier.algebra import engines
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.data import Dataset
from verifier.network import mlp
from verifier.theorems import verify

pytestmark = pytest.mark.skipif(engines.singular_path() is None,
                                reason="Singular is not installed (pip install -e '.[algebra]')")

NETS = {"t2-unit": lambda: mlp(1, [1], activation=power(2)),
        "t2-two": lambda: mlp(1, [2], activation=power(2), output_bias=False),
        "t3-unit": lambda: mlp(1, [1], activation=power(3), bias=False, output_bias=True),
        "linear": lambda: mlp(1, [1], activation=identity())}


@settings(deadline=None, max_examples=25)
@given(name=st.sampled_from(sorted(NETS)), d=st.integers(1, 5), data=st.data())
def test_nullstellensatz_verdict_matches_sympy(name, d, data):
    net = NETS[name]()
    xs = data.draw(st.lists(st.integers(-4, 4), min_size=d, max_size=d), label="x")   # repeats allowed
    ys = data.draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d), label="y")
    ds = Dataset([[fmpq(x)] for x in xs], [[fmpq(y)] for y in ys])
    ps = compile_polynomials(net, ds)
    exprs = ps.sympy()
    syms = [sympy.Symbol(lab) for lab in net.labels]
    empty = list(sympy.groebner(exprs, *syms, order="grevlex")) == [1]
    cert = verify("liao-poggio-nullstellensatz", ds, network=net, timeout=30)
    claim = next(c for c in cert.claims if c.id == "infeasible")
    if empty:
        assert claim.status == "verified", claim.message
    else:
        assert claim.status in ("refuted", "inconclusive"), claim.message
    rep = check_certificate(cert.to_json())
    assert rep.status == claim.status or claim.status == "inconclusive"
