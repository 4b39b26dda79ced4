"""A property test of Cooper's Theorem 4.1 to copy into your own test suite.

Theorem 4.1: for pairwise distinct inputs x_1..x_d, a smooth rectified activation
(smoolu) and a feedforward network whose last hidden layer has width >= d, the
zero set M = L^{-1}(0) of the squared loss is nonempty and, near the point the
construction of Lemma 3.3 gives, a smooth manifold of dimension n - l*d; the
Hessian of L there has l*d positive and n - l*d zero eigenvalues.

``verifier.strategies.instances`` draws (network, dataset) pairs that satisfy
those hypotheses; ``verify`` certifies the instance with Arb ball arithmetic,
and the independent checker re-derives the certificate from its JSON text.

Run it with::

    python -m pytest examples/property_test_theorem_4_1.py

(about a second per 25 examples; raise ``max_examples`` for a longer search).
"""

import json

import hypothesis.strategies as st
from hypothesis import given, settings

from verifier.checker import check_certificate
from verifier.strategies import datasets, instances, verify_options
from verifier.theorems import verify


@settings(max_examples=25, deadline=None)
@given(instances(theorem="cooper-4.1", d=st.integers(1, 6), p=st.integers(1, 3), depth=st.integers(1, 2)))
def test_theorem_4_1(instance):
    network, data = instance
    cert = verify("cooper-4.1", data, **verify_options(network))   # certify on exactly this network
    assert cert.status == "verified", cert.summary()

    # M is a manifold of dimension n - l*d near the certified point ...
    n, m = network.n, data.l * data.d
    claims = {c.id: c for c in cert.claims}
    assert claims["rank-J"].evidence["rank"] == m
    assert claims["manifold"].evidence["dimension"] == n - m
    # ... and the Hessian of the loss there has l*d positive and n - l*d zero eigenvalues.
    assert (claims["hessian-signature"].evidence["positive"], claims["hessian-signature"].evidence["zero"]) \
        == (m, n - m)

    # An independent checker accepts the certificate as written to disk.
    report = check_certificate(json.loads(json.dumps(cert.to_json())))
    assert report.ok, report.text()


@settings(max_examples=25, deadline=None)
@given(datasets(d=st.integers(2, 6), p=st.integers(1, 3), distinct=False, duplicates=True))
def test_theorem_4_1_needs_distinct_inputs(data):
    cert = verify("cooper-4.1", data)
    assert cert.status == "not-applicable"   # a hypothesis fails: the theorem does not apply
    assert {c.id: c.status for c in cert.claims}["distinct-inputs"] == "refuted"
