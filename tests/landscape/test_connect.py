"""cooper-connected: certified zero-loss paths between two approximate zeros (verifier connect).

A path on a network whose M is known in closed form is checked against the formula; random small MLPs where
connect verifies and the checker agrees; the disconnected case (a sign flip on the hyperbola w1 w2 = 1) is never
verified; tampering with a box, a t, a split, an endpoint, a bridge or the loss enclosures is rejected.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from flint import arb, fmpq

import verifier
from verifier.checker import check_certificate
from verifier.checker.format import parse_rational
from verifier.cli import main
from verifier.network import network_from_json, network_to_json
from verifier.search import gauss_newton
from verifier.system import compile_system

HYPERBOLA = {"format": "verifier-network", "version": 1, "name": "x -> w2 (w1 x)", "activation": "identity",
             "nodes": [{"id": "x", "kind": "input"}, {"id": "h", "kind": "hidden"}, {"id": "o", "kind": "output"}],
             "edges": [{"from": "x", "to": "h", "weight": "w1"}, {"from": "h", "to": "o", "weight": "w2"}]}


def _hyperbola():
    return network_from_json(HYPERBOLA), verifier.dataset_from_arrays([[1]], [[1]])


def _pair(seed: int, p: int = 2, h: int = 6, d: int = 5):
    """Two independently trained zeros of an mlp p-h-1 (tanh) on seeded grid data."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-8, 8, size=(d, p)) / 4
    Y = rng.integers(-8, 8, size=(d, 1)) / 4
    data = verifier.dataset_from_arrays(X.tolist(), Y.tolist())
    net = verifier.mlp(p, [h], l=1, activation="tanh")
    s = compile_system(net, data)
    w0 = gauss_newton(s, rng.normal(size=net.n), steps=60)
    w1 = gauss_newton(s, rng.normal(size=net.n), steps=60)
    return net, data, [float(x) for x in w0], [float(x) for x in w1]


@pytest.fixture(scope="module")
def repivoted():
    """A verified path with a re-pivot (two legs and a bridge)."""
    net, data, w0, w1 = _pair(3)
    cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1, grid=5)
    assert cert.status == "verified", cert.reason
    doc = cert.to_json()
    assert len(_path(doc)["evidence"]["legs"]) >= 2
    return doc


def _path(doc):
    return next(c for c in doc["claims"] if c["id"] == "path")


def _recheck(doc):
    """Re-sign the altered certificate's digest, so only the checker's own tests can catch the change."""
    from verifier.checker.format import digest
    doc = copy.deepcopy(doc)
    doc["digest"] = digest(doc)
    return check_certificate(doc)


def test_closed_form_path_on_the_hyperbola():
    # M = {w1 w2 = 1}: every box of the chain must hold the points (v, 1/v) of M over its t-interval.
    net, data = _hyperbola()
    cert = verifier.verify("cooper-connected", data, network=net, start={"w1": 1, "w2": 1},
                           end={"w1": 2, "w2": "1/2"})
    assert cert.status == "verified", cert.reason
    report = verifier.check(cert)
    assert report.ok and report.status == "verified"
    ev = _path(cert.to_json())["evidence"]
    t0 = fmpq(0)
    for leg in ev["legs"]:
        (pivot,) = leg["pivots"]
        free = "w2" if pivot == "w1" else "w1"
        a = parse_rational(leg.get("from", {}).get(free, "1"))
        b = parse_rational(leg.get("to", {}).get(free, "2" if free == "w1" else "1/2"))
        t_end = parse_rational(leg["segments"][-1]["t"])
        lo = t0
        for seg in leg["segments"]:
            t = parse_rational(seg["t"])
            mid, rad = parse_rational(seg["mid"][0]), parse_rational(seg["rad"][0])
            for s in (lo, (lo + t) / 2, t):
                v = a + (s - t0) / (t_end - t0) * (b - a)
                assert mid - rad <= 1 / v <= mid + rad
            lo = t
        t0 = t_end


def test_the_disconnected_case_is_refuted_never_verified():
    # (1, 1) and (-1, -1) lie on the two components of the hyperbola w1 w2 = 1 (a sign flip of the hidden unit):
    # w1 never vanishes on M (1 = -(w1 w2 - 1) + w2 w1) and changes sign between them.
    from verifier.algebra import engines
    if engines.singular_path() is None:
        pytest.skip("the separation needs Singular (the algebra extra)")
    net, data = _hyperbola()
    cert = verifier.verify("cooper-connected", data, network=net, start={"w1": 1, "w2": 1},
                           end={"w1": -1, "w2": -1}, timeout=20)
    assert cert.status == "refuted"
    doc = cert.to_json()
    sep = next(c for c in doc["claims"] if c["id"] == "separated")
    assert sep["status"] == "verified" and sep["evidence"]["coordinate"] == "w1"
    report = verifier.check(cert)
    assert report.status == "refuted" and report.ok is False and not any("problem" in x for x in report.lines)
    # Forged separations: the checker does not refute.
    for forge in ("cofactor", "sign", "distance", "points"):
        d = copy.deepcopy(doc)
        s = next(c for c in d["claims"] if c["id"] == "separated")["evidence"]
        if forge == "cofactor":
            s["cofactors"][-1] = {"terms": [["2", [0, 1]]]}
        elif forge == "sign":
            s["end_value"] = "1"
        elif forge == "distance":
            s["max_distance"] = "2"
        else:
            _path(d)["evidence"]["end"]["w1"] = "-2"
        assert _recheck(d).status != "refuted", forge


def test_a_separation_is_never_claimed_between_connected_points():
    # (1, 1) and (2, 1/2) lie on one branch: no coordinate changes sign, the path verifies.
    net, data = _hyperbola()
    cert = verifier.verify("cooper-connected", data, network=net, start={"w1": 1, "w2": 1},
                           end={"w1": 2, "w2": "1/2"})
    assert cert.status == "verified" and "separated" not in {c.id for c in cert.claims}


@pytest.mark.parametrize("seed", [0, 3, 5])
def test_independently_trained_minima_connect_and_the_checker_agrees(seed):
    net, data, w0, w1 = _pair(seed)
    cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1)
    assert cert.status == "verified", cert.reason
    report = verifier.check(cert)
    assert report.ok, report.text()
    ev = _path(cert.to_json())["evidence"]
    # the ends are within the stated distance of the given points (and those are tiny here)
    assert parse_rational(ev["start_distance"]) < fmpq(1, 10 ** 9)
    assert parse_rational(ev["end_distance"]) < fmpq(1, 10 ** 9)


def test_segment_loss_encloses_the_loss_on_the_segment():
    net, data, w0, w1 = _pair(3)
    cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1, grid=6)
    ev = next(c for c in cert.to_json()["claims"] if c["id"] == "segment-loss")["evidence"]
    s = compile_system(net, data)
    for t, lo, hi in zip(ev["t"], ev["lower"], ev["upper"]):
        t = float(parse_rational(t))
        h = s.value_f64((1 - t) * np.array(w0) + t * np.array(w1))
        # float64 rounding of H near a zero is about 1e-16, so L there is known to about 1e-28
        assert float(parse_rational(lo)) <= float(h @ h) * (1 + 1e-12) + 1e-28
        assert float(h @ h) <= float(parse_rational(hi)) * (1 + 1e-12) + 1e-28
    # the endpoints are zeros: L ~ 0 there; somewhere between, the straight segment leaves M
    assert float(parse_rational(ev["barrier_lower"])) > 0


def _tamper_cases(doc):
    ev = _path(doc)["evidence"]
    legs = ev["legs"]

    def seg_mid(d):
        seg = _path(d)["evidence"]["legs"][0]["segments"][1]
        seg["mid"][0] = str(parse_rational(seg["mid"][0]) + parse_rational(seg["rad"][0]) * 3)

    def seg_rad(d):
        seg = _path(d)["evidence"]["legs"][0]["segments"][1]
        seg["rad"] = ["1e-30"] * len(seg["rad"])

    def t_value(d):
        segs = _path(d)["evidence"]["legs"][0]["segments"]
        segs[0]["t"] = str((parse_rational(segs[0]["t"]) + parse_rational(segs[1]["t"])) / 2 + fmpq(1, 10 ** 6))

    def t_removed(d):
        del _path(d)["evidence"]["legs"][0]["segments"][1]

    def split(d):
        g = _path(d)["evidence"]["legs"][0]
        labels = sorted(_path(d)["evidence"]["start"])
        other = next(lab for lab in labels if lab not in g["pivots"])
        g["pivots"][0] = other

    def endpoint(d):
        e = _path(d)["evidence"]
        pivot = e["legs"][0]["pivots"][0]
        e["start"][pivot] = str(parse_rational(e["start"][pivot]) + 1)

    def free_endpoint(d):
        e = _path(d)["evidence"]
        free = next(lab for lab in e["start"] if lab not in e["legs"][0]["pivots"])
        e["start"][free] = str(parse_rational(e["start"][free]) + fmpq(1, 10))

    def distance(d):
        _path(d)["evidence"]["start_distance"] = "1e-40"

    def bridge(d):
        br = _path(d)["evidence"]["legs"][1]["bridge"]
        br["mid"][0] = str(parse_rational(br["mid"][0]) + parse_rational(br["rad"][0]) * 4)

    def bridge_removed(d):
        del _path(d)["evidence"]["legs"][1]["bridge"]

    def loss(d):
        sl = next(c for c in d["claims"] if c["id"] == "segment-loss")["evidence"]
        sl["lower"][2] = sl["upper"][2]
        sl["lower"][2] = str(parse_rational(sl["upper"][2]) * 2 + 1)

    assert len(legs) >= 2
    return {"segment box moved": seg_mid, "segment box shrunk": seg_rad, "t moved": t_value,
            "segment removed": t_removed, "split changed": split, "start point moved": endpoint,
            "start free coordinate moved": free_endpoint, "distance understated": distance,
            "bridge moved": bridge, "bridge removed": bridge_removed, "loss enclosure raised": loss}


@pytest.mark.parametrize("case", ["segment box moved", "segment box shrunk", "t moved", "segment removed",
                                  "split changed", "start point moved", "start free coordinate moved",
                                  "distance understated", "bridge moved", "bridge removed",
                                  "loss enclosure raised"])
def test_tampering_is_rejected(repivoted, case):
    doc = copy.deepcopy(repivoted)
    _tamper_cases(doc)[case](doc)
    report = _recheck(doc)
    assert not report.ok, f"{case}: accepted"
    assert report.status != "verified" or any("problem" in line for line in report.lines)


def test_the_untampered_certificate_rechecks(repivoted):
    report = _recheck(repivoted)
    assert report.ok, report.text()


def test_cli_connect_writes_a_certificate_the_checker_accepts(tmp_path, capsys):
    net, data, w0, w1 = _pair(3)
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    rows = ["x1,x2,y"] + [",".join(str(float(c)) for c in x + y) for x, y in zip(data.X, data.Y)]
    (tmp_path / "pts.csv").write_text("\n".join(rows) + "\n")
    for name, w in (("w0", w0), ("w1", w1)):
        (tmp_path / f"{name}.json").write_text(json.dumps(dict(zip(net.labels, w))))
    out = tmp_path / "path.json"
    base = ["--network", str(tmp_path / "net.json"), "--data", str(tmp_path / "pts.csv"),
            "--from", str(tmp_path / "w0.json"), "--to", str(tmp_path / "w1.json")]
    assert main(["connect", *base, "--out", str(out), "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    assert env["command"] == "connect" and env["status"] == "verified" and env["theorem"] == "cooper-connected"
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    # the same through verify
    assert main(["verify", "cooper-connected", *base]) == 0
    capsys.readouterr()
    # bad input: one line, exit 2, nothing written
    bad = tmp_path / "bad.json"
    (tmp_path / "w2.json").write_text(json.dumps({"W1[0,0]": 1.0}))
    argv = ["connect", *base[:6], "--to", str(tmp_path / "w2.json"), "--out", str(bad)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err
    assert not bad.exists()
    assert main(["connect", *base[:4], "--from", str(tmp_path / "nope.json"), *base[6:], "--out", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not bad.exists()


def test_a_budget_is_inconclusive_not_bad_input():
    net, data, w0, w1 = _pair(0)
    cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1, max_segments=2, grid=0)
    assert cert.status == "inconclusive"
    assert "budget" in _path(cert.to_json())["message"]
    assert verifier.check(cert).status == "inconclusive"


def test_hypothesis_failure_is_not_applicable():
    net = verifier.mlp(1, [1], l=1, activation="tanh")      # n = 4
    data = verifier.dataset_from_arrays([[0], [1], [2], [3]], [[0], [1], [0], [1]])
    cert = verifier.verify("cooper-connected", data, network=net, start=[0.1] * 4, end=[0.2] * 4)
    assert cert.status == "not-applicable"
    assert verifier.check(cert).status == "not-applicable"


def test_tangent_derivatives_agree_with_finite_differences():
    # The checker's forward-over-reverse derivatives (used for dJ_u/dt) against float64 differences.
    from verifier.checker.core.evaluate import Network
    net, data, w0, w1 = _pair(1)
    doc = network_to_json(net)
    cn = Network(doc)
    X = [[arb(float(c)) for c in x] for x in data.X]
    labels = list(net.labels)
    direction = {lab: arb(float(b - a)) for lab, a, b in zip(labels, w0, w1)}
    params = {lab: arb(v) for lab, v in zip(labels, w0)}
    O, Ot, D1, D1t = cn.forward_tangent(X, params, direction)
    J, Jt = cn.jacobian_columns_tangent(O, Ot, D1, D1t, params, direction, labels)
    s = compile_system(net, data)
    eps = 1e-6
    wp, wm = np.array(w0) + eps * (np.array(w1) - np.array(w0)), np.array(w0) - eps * (np.array(w1) - np.array(w0))
    fd = (s.jacobian_f64(wp) - s.jacobian_f64(wm)) / (2 * eps)
    got = np.array([[float(x.mid()) for x in row] for row in Jt.tolist()])
    assert np.allclose(got, fd, atol=1e-6, rtol=1e-5)
    ht = np.array([float(Ot[o][i].mid()) for i in range(data.d) for o in cn.outputs])
    fdh = (s.value_f64(wp) - s.value_f64(wm)) / (2 * eps)
    assert np.allclose(ht, fdh, atol=1e-7)


def test_the_route_through_a_midpoint_when_the_straight_one_fails(monkeypatch):
    """The straight route is withheld; the one through a Gauss-Newton midpoint on M is certified, and its
    waypoint (a leg's 'to' and the next leg's 'from') cannot be moved without the checker noticing."""
    from verifier.landscape import connect as conn
    real = conn._search

    def straight_fails(*args, via=(), **kw):
        if not via:
            raise conn._Stop("withheld by the test", fmpq(0))
        return real(*args, via=via, **kw)
    monkeypatch.setattr(conn, "_search", straight_fails)
    net, data, w0, w1 = _pair(3)
    cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1, grid=0)
    assert cert.status == "verified", cert.reason
    doc = json.loads(json.dumps(cert.to_json()))
    ev = _path(doc)["evidence"]
    assert any("midpoint" in note for note in doc.get("notes", [])), doc.get("notes")
    assert "1 waypoint)" in _path(doc)["message"]
    assert any(g["segments"][-1]["t"] == "1/2" for g in ev["legs"][:-1])
    assert check_certificate(doc).ok

    def moved_waypoint(d):
        legs = _path(d)["evidence"]["legs"]
        j = next(j for j, g in enumerate(legs[:-1]) if g["segments"][-1]["t"] == "1/2")
        for g, key in ((legs[j], "to"), (legs[j + 1], "from")):
            f = sorted(g[key])[0]
            g[key][f] = str(parse_rational(g[key][f]) + fmpq(1, 10))
    bad = copy.deepcopy(doc)
    moved_waypoint(bad)
    assert not _recheck(bad).ok
