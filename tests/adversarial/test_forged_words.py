"""What a reader reads is checked: statements, messages, summaries, the data's declared shape, and
Theorem 2.1's "nearby". Each forgery below keeps the mathematics of the evidence and changes only what a
person is told (digest recomputed); the checker must reject it. Harmless edits are listed as such."""

from __future__ import annotations

import copy
import json
import random
import re

import pytest

import verifier
from verifier.checker import check_certificate
from verifier.checker.format import digest

FOUR = verifier.dataset_from_arrays([[0, 0], [1, 0], [0, 1], [1, 1]], [[1], [-1], [0.5], [0.25]])


def _reseal(doc):
    doc["digest"] = digest(doc)
    return doc


def _claim(doc, cid):
    return next(c for c in doc["claims"] if c["id"] == cid)


@pytest.fixture(scope="module")
def cooper41():
    return json.loads(json.dumps(verifier.verify("cooper-4.1", FOUR).to_json()))


@pytest.fixture(scope="module")
def local23():
    net = verifier.mlp(2, [3], activation="softplus")
    from verifier.search import gauss_newton
    from verifier.system import compile_system
    import numpy as np
    w = gauss_newton(compile_system(net, FOUR), np.random.default_rng(1).normal(size=net.n))
    cert = verifier.verify("cooper-2.3", FOUR, network=net, point=[float(x) for x in w])
    assert cert.status == "verified", cert.summary()
    return json.loads(json.dumps(cert.to_json()))


@pytest.fixture(scope="module")
def critical():
    cert = verifier.critical_points(deep_linear=(1, 1, 1, 1, 1), method="homotopy", timeout=60)
    return json.loads(json.dumps(cert.to_json()))


def rejected(doc, edit):
    bad = copy.deepcopy(doc)
    edit(bad)
    rep = check_certificate(_reseal(bad))
    return not rep.ok and rep.status != doc["status"] or "problem:" in rep.text()


def test_the_honest_certificates_pass(cooper41, local23, critical):
    for doc in (cooper41, local23, critical):
        assert check_certificate(doc).ok


@pytest.mark.parametrize("name, edit", [
    ("rank stated 7", lambda d: _claim(d, "rank-J").update(
        statement="rank J = l*d = 7 at every point of the box (J_S is nonsingular there)")),
    ("dimension stated 21", lambda d: _claim(d, "manifold").update(
        statement="near w*, M is a smooth submanifold of dimension n - l*d = 21 (Theorem 2.1, local form)")),
    ("global smoothness claimed", lambda d: _claim(d, "manifold").update(
        statement="M is a smooth submanifold of dimension 999 everywhere on R^n (global)")),
    ("sigma_min message", lambda d: _claim(d, "rank-J").update(message="sigma_min(J) >= 7.68e-01 on the box")),
    ("hessian message", lambda d: _claim(d, "hessian-signature").update(message="13 positive eigenvalues")),
    ("zero message", lambda d: _claim(d, "zero").update(message="no other critical points exist")),
    ("summary n", lambda d: d["summary"].update(n=99)),
    ("summary network", lambda d: d["summary"].update(network="resnet-50, relu")),
    ("data l", lambda d: d["instance"]["data"].update(l=6)),
    ("data p", lambda d: d["instance"]["data"].update(p=3)),
    ("data version", lambda d: d["instance"]["data"].update(version=2)),
    ("unchecked evidence", lambda d: _claim(d, "construction")["evidence"].update(a=["1", "2"])),
    ("activations evidence", lambda d: _claim(d, "activation-smooth")["evidence"].update(activations=["tanh"])),
])
def test_forged_words_of_a_construction_certificate_are_rejected(cooper41, name, edit):
    assert rejected(cooper41, lambda d: (edit(d), d["instance"].update(
        sha256=__import__("verifier.checker.format", fromlist=["instance_hash"]).instance_hash(d["instance"])))), name


def test_nearby_is_checked(local23):
    ev = _claim(local23, "zero")["evidence"]
    assert {"given_point", "distance_bound", "max_distance"} <= set(ev)
    assert "of the given point" in _claim(local23, "zero")["message"]
    # a smaller distance than the box's, a moved given point, a tolerance below the bound: all rejected
    assert rejected(local23, lambda d: _claim(d, "zero")["evidence"].update(distance_bound="0"))
    lab = next(iter(ev["given_point"]))
    assert rejected(local23, lambda d: _claim(d, "zero")["evidence"]["given_point"].update({lab: "1000"}))
    assert rejected(local23, lambda d: _claim(d, "zero")["evidence"].update(max_distance="1e-30"))


def test_a_point_that_is_not_an_approximate_zero_is_inconclusive():
    net = verifier.mlp(2, [3], activation="softplus")
    from verifier.search import gauss_newton
    from verifier.system import compile_system
    import numpy as np
    w = gauss_newton(compile_system(net, FOUR), np.random.default_rng(1).normal(size=net.n))
    far = [float(x) + 0.5 for x in w]                      # Gauss-Newton still reaches M, far from here
    cert = verifier.verify("cooper-2.1", FOUR, network=net, point=far)
    zero = next(c for c in cert.claims if c.id == "zero")
    if zero.status == "inconclusive" and "not an approximate zero" in zero.message:
        assert cert.status == "inconclusive"
        assert check_certificate(json.loads(json.dumps(cert.to_json()))).status == "inconclusive"
        ok = verifier.verify("cooper-2.1", FOUR, network=net, point=far, max_distance="100")
        assert ok.status == "verified" and "of the given point" in next(c for c in ok.claims if c.id == "zero").message
    else:                                                  # it converged back near the given point
        assert zero.status == "verified"


@pytest.mark.parametrize("name, edit", [
    ("seven global minima", lambda d: _claim(d, "critical-classification").update(message="7 global minima")),
    ("certified count", lambda d: _claim(d, "solutions-certified").update(message="certified count 5")),
    ("summary count", lambda d: d["summary"].update(certified=7)),
    ("summary exact", lambda d: d["summary"].update(exact=False)),
    ("summary bezout", lambda d: d["summary"].update(total_degree_bezout=2)),
])
def test_forged_words_of_a_solving_certificate_are_rejected(critical, name, edit):
    assert rejected(critical, edit), name


# Fields whose edit changes nothing a reader is told as proven: provenance, timings, and the free notes
# (shown by reports under "commentary: not checked"). An edited point is re-proven from scratch: a digit
# changed deep in an exact coordinate may give another true zero, which the checker then certifies.
HARMLESS = ("software", "timings_s", "seed", "notes", "extra", "point")


def _strings(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings(v, path + (i,))
    elif isinstance(obj, str):
        yield path, obj


def _set(doc, path, value):
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


def test_one_digit_mutations_of_what_a_reader_is_told_are_rejected(cooper41):
    """Every string with a digit, outside the harmless fields and the instance (whose hash catches it),
    mutated in one digit: the checker rejects each (a sample of 60, seeded)."""
    from verifier.checker.format import instance_hash
    rng = random.Random(7)
    targets = [(p, s) for p, s in _strings(cooper41) if re.search(r"\d", s) and p[0] not in HARMLESS
               and p[0] not in ("digest", "format")]
    accepted = []
    for path, text in rng.sample(targets, min(60, len(targets))):
        pos = [i for i, ch in enumerate(text) if ch.isdigit()]
        i = rng.choice(pos)
        new = text[:i] + str((int(text[i]) + rng.randint(1, 9)) % 10) + text[i + 1:]
        bad = copy.deepcopy(cooper41)
        _set(bad, path, new)
        if path[0] == "instance":
            bad["instance"]["sha256"] = instance_hash(bad["instance"])
        rep = check_certificate(_reseal(bad))
        if rep.ok:
            accepted.append((path, text, new))
    assert not accepted, accepted


def test_float_tier_assumptions_are_the_tiers_own(tmp_path):
    torch = pytest.importorskip("torch", reason="the floating-point tier needs torch")
    import numpy as np
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Softplus(), torch.nn.Linear(6, 1))
    rng = np.random.default_rng(0)
    cert = verifier.verify("cooper-2.3", (rng.normal(size=(4, 2)), rng.normal(size=(4, 1))),
                           tier="floating-point with error bounds", torch_model=seq)
    cert.write(tmp_path / "c.json")
    doc = json.loads((tmp_path / "c.json").read_text())
    assert check_certificate(doc, base_dir=str(tmp_path)).ok
    for cid, key, text in (("zero-float", "message", "a zero w* of H within 1e-30 of the point"),
                           ("manifold-float", "statement", "M is a smooth manifold on all of R^n"),
                           ("hessian-signature-float", "message", "7 positive eigenvalues >= 100, 18 zero")):
        bad = copy.deepcopy(doc)
        _claim(bad, cid)[key] = text
        rep = check_certificate(_reseal(bad), base_dir=str(tmp_path))
        assert not rep.ok and cid in rep.text(), rep.text()
    for edit in (lambda d: d["assumptions"].append("M is a smooth manifold on all of R^n"),
                 lambda d: d["assumptions"].__setitem__(-1, d["assumptions"][-1].replace("NOT covered", "covered")),
                 lambda d: d["assumptions"].append(d["assumptions"][0])):
        bad = copy.deepcopy(doc)
        edit(bad)
        rep = check_certificate(_reseal(bad), base_dir=str(tmp_path))
        assert not rep.ok and "assumptions" in rep.text(), rep.text()


@pytest.mark.parametrize("edit", [
    lambda d: d.update(reason="everything was proven"),
    lambda d: d["out_of_scope"].append("nothing: M is smooth everywhere"),
])
def test_reason_and_not_claimed_are_the_tools_own_words(cooper41, edit):
    assert rejected(cooper41, edit)
    tanh = json.loads(json.dumps(verifier.verify("cooper-3.3", FOUR, activation="tanh").to_json()))
    assert check_certificate(tanh).status == "not-applicable"
    assert rejected(tanh, lambda d: d.update(reason="activation-rectified: M is empty"))


def _mutate_one_digit(doc, rng, skip):
    """(path, old, new, mutated document) for one digit changed in a random string or integer field."""
    targets = [(p, s) for p, s in _strings_and_ints(doc) if re.search(r"\d", s) and p[0] not in skip]
    path, text = rng.choice(targets)
    i = rng.choice([k for k, ch in enumerate(text) if ch.isdigit()])
    new = text[:i] + str((int(text[i]) + rng.randint(1, 9)) % 10) + text[i + 1:]
    bad = copy.deepcopy(doc)
    holder = bad
    for k in path[:-1]:
        holder = holder[k]
    holder[path[-1]] = int(new) if isinstance(holder[path[-1]], int) and new.lstrip("-").isdigit() else new
    return path, text, new, bad


def _strings_and_ints(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings_and_ints(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _strings_and_ints(v, path + (i,))
    elif isinstance(obj, (str, int)) and not isinstance(obj, bool):
        yield path, str(obj)


def _harmless(path) -> bool:
    """Mutations that tell a reader nothing false: a changed instance or solution box that the checker
    re-proves (the certificate is then true of what it shows), a larger radius (a weaker box), the precision
    of a certificate in exact arithmetic, and the engines' statistics that reports label as numerical
    evidence, not a proof."""
    return (path[0] == "instance" or (len(path) > 1 and path[-1] == "radius") or "boxes" in path
            or path == ("prec_bits",)            # exact arithmetic: an algebraic certificate uses no balls
            or path[:2] in (("summary", "homotopy"), ("summary", "msolve_solutions"), ("summary", "msolve_real"),
                            ("summary", "monodromy")))


@pytest.mark.parametrize("which", ["bezout", "nullstellensatz", "critical"])
def test_one_digit_mutations_of_every_kind(which, critical):
    """One-digit mutations of an algebraic and a solving certificate (a seeded sample): each one the checker
    accepts is a harmless one (listed in ``_harmless``)."""
    from verifier.activations import power
    from verifier.checker.format import instance_hash
    from verifier.checker.solve.rules import system_hash
    net = verifier.mlp(1, [1], activation=power(2))
    doc = critical if which == "critical" else json.loads(json.dumps(verifier.verify(
        "liao-poggio-bezout" if which == "bezout" else "liao-poggio-nullstellensatz",
        verifier.dataset_from_arrays([[0], [1], [2], [3]], [0, 1, 8, 27]), network=net).to_json()))
    assert check_certificate(doc).ok
    rng = random.Random(11)
    for _ in range(30):
        path, old, new, bad = _mutate_one_digit(doc, rng, HARMLESS + ("digest", "format"))
        if path[0] == "instance" and path[-1] != "sha256":
            bad["instance"]["sha256"] = (system_hash if "system" in bad["instance"] else instance_hash)(bad["instance"])
        if check_certificate(_reseal(bad)).ok:
            assert _harmless(path), (path, old, new)


@pytest.fixture(scope="module")
def float23(tmp_path_factory):
    torch = pytest.importorskip("torch", reason="the floating-point tier needs torch")
    import numpy as np
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Softplus(), torch.nn.Linear(6, 1))
    rng = np.random.default_rng(0)
    cert = verifier.verify("cooper-2.3", (rng.normal(size=(4, 2)), rng.normal(size=(4, 1))),
                           tier="floating-point with error bounds", torch_model=seq)
    folder = tmp_path_factory.mktemp("float23")
    cert.write(folder / "c.json")
    doc = json.loads((folder / "c.json").read_text())
    assert check_certificate(doc, base_dir=str(folder)).ok
    return doc, str(folder)


@pytest.mark.parametrize("name, edit", [
    ("unchecked residual norm", lambda d: _claim(d, "zero-float")["evidence"].update(residual_norm="1e-300")),
    ("unchecked error bound", lambda d: _claim(d, "rank-J-float")["evidence"].update(error_norm_bound="0")),
    ("overparameterized n", lambda d: _claim(d, "overparameterized")["evidence"].update(n=2500)),
    ("activations", lambda d: _claim(d, "activation-smooth")["evidence"].update(activations=["tanh"])),
    ("evidence assumption", lambda d: _claim(d, "rank-J-float")["evidence"]["assumptions"].append(
        "M is a smooth manifold on all of R^n")),
    ("roundings per term", lambda d: d["assumptions"].__setitem__(
        -1, re.sub(r"m = \d+ roundings", "m = 1 roundings", d["assumptions"][-1]))),
    ("exact Gram claimed", lambda d: d["assumptions"].append("K_true is the floating-point matrix K itself "
                                                             "(no forming error)")),
])
def test_forged_evidence_of_a_float_certificate_is_rejected(float23, name, edit):
    doc, folder = float23
    bad = copy.deepcopy(doc)
    edit(bad)
    rep = check_certificate(_reseal(bad), base_dir=folder)
    assert not rep.ok, (name, rep.text())


def test_one_digit_mutations_of_a_float_certificate(float23):
    """One-digit mutations of a floating-point certificate (a seeded sample of 40): each one the checker
    accepts is a listed harmless kind. A weaker bound (a larger radius, gamma_J, h or spectral-norm bound, a
    smaller lower bound) does not pass alone, since the message rendered from it no longer matches."""
    from verifier.checker.format import sha256
    doc, folder = float23
    rng = random.Random(5)
    accepted = []
    for _ in range(40):
        path, old, new, bad = _mutate_one_digit(doc, rng, HARMLESS + ("digest", "format"))
        if path[0] == "instance" and path[-1] != "sha256":
            bad["instance"]["sha256"] = sha256({"model": bad["instance"]["model"], "arrays": bad["instance"]["arrays"]})
        if check_certificate(_reseal(bad), base_dir=folder).ok:
            accepted.append((path, old, new))
    # harmless: the engines' timings, and a listed eigenvalue of 2K moved within the checker's stated
    # agreement tolerance (1e-8 relative plus its Gram error bound; the checker's message says "agree")
    tol = float(_claim(doc, "hessian-signature-float")["evidence"]["top_eigenvalues_2K"][0]) * 1e-8
    assert all(p[0] == "timings_s" or ("top_eigenvalues_2K" in p and abs(float(o) - float(n)) <= 2 * tol)
               for p, o, n in accepted), accepted
