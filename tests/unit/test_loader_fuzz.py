"""Fuzzing the readers of other people's files: whatever the bytes, only InputError comes out.

Readers: ``load_dataset`` (.csv, .json, .npy), ``read_json`` (points, networks, certificates), ``load_network``,
the point reader (``read_json`` then ``point_values``, as ``verify cooper-2.1 --point`` does) and the system
file reader of ``verifier solve`` (``read_system_file``). Inputs: random bytes, random text, text built from
the tokens of each format, JSON-like documents and mutations of valid files.

Example counts follow the hypothesis profile (tests/conftest.py): the ``ci`` profile's own count per test, so
that the file takes a few seconds in CI; elsewhere (``dev``, ``thorough``) 25 times the profile's count, which
is over 10^4 inputs in all for ``dev``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.data import load_dataset
from verifier.errors import InputError
from verifier.network import load_network, mlp, network_to_json, read_json
from verifier.theorems.base import point_values
from verifier.theorems.solving import read_system_file

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")   # as tests/conftest.py
EXAMPLES = settings.default.max_examples * (1 if PROFILE == "ci" else 25)
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

FOLDER = Path(tempfile.mkdtemp(prefix="verifier-fuzz-"))
NET = mlp(2, [2], activation="softplus")
NET_DOC = network_to_json(NET)


def file_with(name: str, content) -> Path:
    path = FOLDER / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    return path


def only_input_error(fn, *args, **kwargs):
    """Call ``fn``; InputError (one line) is fine, so is an answer; anything else fails the test."""
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        assert "\n" not in str(exc), str(exc)
        return None


# ---------------------------------------------------------------------------- inputs

NUMBERS = st.sampled_from(["0", "1", "-2", "+3/4", "1/0", "0.5", ".5", "5.", "1e3", "1e400", "-1e-400", "1e99999",
                           "nan", "inf", "-Infinity", "1 / 2", "0.5.1", "0x10", "1_0", "\u0661", "x", "y1",
                           "target (m/s)", '"x"', "", " ", "#", "9" * 5000, "1" * 10001, "\ufeff1", "1\u00a0"])
CELLS = st.one_of(NUMBERS, st.text(max_size=8))


@st.composite
def csv_text(draw):
    rows = draw(st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=0, max_size=6))
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return sep.join(",".join(r) for r in rows) + draw(st.sampled_from(["", sep]))


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), NUMBERS,
                         st.floats(), st.text(max_size=6))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["x", "y", "format", "version", "p", "l", "a", "w0",
                                                                  "nodes", "edges", "name", "activation"]) | st.text(max_size=4),
                                                 inner, max_size=4)), max_leaves=20)


def json_text(value) -> str:
    return json.dumps(value)        # floats may be NaN or Infinity: tokens the readers refuse


RAW_JSON = st.sampled_from(['{"x": [[1]], "x": [[2]], "y": [1]}', '{"a": NaN}', '[' * 5000, '{"a": ' + "9" * 5000 + "}",
                            '{"a": "\\ud800"}', '{"a": 1e999}', '{"x": [["1"]], "y": [2]}', "", " ", "\ufeff{}",
                            '{"format": "verifier-dataset", "version": 1, "p": 99999999, "l": 1, "x": [["1"]], '
                            '"y": [["1"]]}'])


@st.composite
def mutated(draw, base: str):
    text = base
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.text(max_size=3), st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\u", "1e999",
                                                                      "9" * 50, "null"])))
        cut = draw(st.integers(0, 3))
        text = text[:i] + piece + text[i + cut:]
    return text


DOC_TEXT = st.one_of(JSON_VALUES.map(json_text), RAW_JSON, st.text(max_size=40),
                     mutated(json_text({"x": [["1/2", "3"], ["0.1", "-2"]], "y": [1, "2/3"]})),
                     mutated(json_text(NET_DOC)), mutated(json_text({lab: "1/3" for lab in NET.labels})))
ANY = st.one_of(st.binary(max_size=200), st.text(max_size=80))


def npy_bytes(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


@st.composite
def npy_files(draw):
    kind = draw(st.sampled_from(["valid", "header", "mutated", "raw"]))
    if kind == "valid":
        shape = draw(st.tuples(st.integers(0, 4), st.integers(0, 4)) | st.tuples(st.integers(0, 3)))
        dtype = draw(st.sampled_from(["<f8", ">f4", "<i8", "|u1", "|b1", "<c16", "<U3", "<f2"]))
        return npy_bytes(np.zeros(shape, dtype=dtype))
    if kind == "header":
        shape = draw(st.one_of(st.tuples(st.integers(-5, 10 ** 13), st.integers(-5, 10 ** 6)),
                               st.lists(st.integers(-3, 10 ** 4), max_size=5).map(tuple)))
        descr = draw(st.sampled_from(["<f8", "<i4", "|O", "<U2", "V8", "[('a', '<f8')]", "('<f8', (2,))", "bogus",
                                      "'<f8'"]))
        head = "{'descr': %s, 'fortran_order': %s, 'shape': %r, }" % (
            descr if descr.startswith(("[", "(", "'")) else repr(descr), draw(st.sampled_from(["False", "True", "1"])),
            shape)
        head += " " * max(0, 118 - len(head)) + "\n"
        version = draw(st.sampled_from([b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x09\x09"]))
        size = len(head).to_bytes(2 if version == b"\x01\x00" else 4, "little")
        return b"\x93NUMPY" + version + size + head.encode("latin1") + draw(st.binary(max_size=64))
    if kind == "mutated":
        data = bytearray(npy_bytes(np.arange(6, dtype="<f8").reshape(3, 2)))
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data[: draw(st.integers(0, len(data)))])
    return b"\x93NUMPY" + draw(st.binary(max_size=120))


SYSTEM_TEXT = st.one_of(
    ANY,
    st.lists(st.one_of(st.sampled_from(["vars: x, y", "vars:", "vars: x, x", "vars: 1x", "x^2 + y^2 - 5", "x*y - 2",
                                        "(x - 1)^2*y + 3/4", "x/0", "x/y", "x^99999", "x^" + "9" * 5000,
                                        "1e" + "9" * 5000 + "*x", "9" * 5000 + "*x", "((((((((x))))))))", "(" * 200 + "x",
                                        "x**2**2", "\u0661*x", "x # comment", "open('f')", "1e400*x - y", ".5x"]),
                       st.text(max_size=20)), max_size=5).map("\n".join))


# ---------------------------------------------------------------------------- properties


@FUZZ
@given(st.one_of(csv_text(), ANY))
def test_csv_loader(content):
    only_input_error(load_dataset, file_with("d.csv", content), outputs=1)


@FUZZ
@given(st.one_of(DOC_TEXT, ANY))
def test_json_dataset_loader(content):
    only_input_error(load_dataset, file_with("d.json", content))


@FUZZ
@given(st.one_of(npy_files(), st.binary(max_size=200)))
def test_npy_dataset_loader(content):
    only_input_error(load_dataset, file_with("d.npy", content), outputs=1)


@FUZZ
@given(st.one_of(DOC_TEXT, ANY), st.sampled_from(["point", "network", "certificate"]), st.booleans())
def test_read_json(content, what, exact):
    only_input_error(read_json, file_with("r.json", content), what, exact_floats=exact)


@FUZZ
@given(st.one_of(DOC_TEXT, ANY))
def test_network_loader(content):
    only_input_error(load_network, file_with("n.json", content))


@FUZZ
@given(st.one_of(DOC_TEXT, ANY))
def test_point_reader(content):
    point = only_input_error(read_json, file_with("p.json", content), "point")
    if point is not None:
        only_input_error(point_values, NET, point)


@FUZZ
@given(SYSTEM_TEXT)
def test_system_file_reader(content):
    only_input_error(read_system_file, file_with("s.txt", content))


def test_fuzz_counts_follow_the_profile():
    """CI keeps the profile's count (a few seconds); locally the file reads well over 10^4 inputs."""
    assert EXAMPLES == settings.default.max_examples or EXAMPLES * 7 >= 10 ** 4


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    for p in FOLDER.iterdir():
        p.unlink()
    FOLDER.rmdir()
