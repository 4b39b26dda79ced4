"""Unit tests for verifier.data: exact parsing, loaders, canonical JSON, duplicates."""

import json
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

from verifier.data import Dataset, _parse_rational, dataset_from_arrays, load_dataset
from verifier.errors import InputError

q = fmpq


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(exc_info):
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


# --- _parse_rational -------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0.1", q(1, 10)), ("-0.1", q(-1, 10)), ("+3", q(3)), ("1e-3", q(1, 1000)),
    ("2.5E4", q(25000)), (".5", q(1, 2)), ("5.", q(5)), ("3/7", q(3, 7)),
    ("-6/4", q(-3, 2)), (" 12 ", q(12)), ("0", q(0)), ("1.25e-1", q(1, 8)),
    ("00012.50", q(25, 2)), ("1e+2", q(100)),
])
def test_parse_rational_exact(text, value):
    assert _parse_rational(text) == value


@pytest.mark.parametrize("text", [
    "", " ", "nan", "NaN", "inf", "-Infinity", "0x10", "1/0", "1/-2", "1.2.3", "e5", ".",
    "1e", "abc", "1,5", "1_000", "٣", "1e999999999", "__import__('os').system('x')", "2**3",
])
def test_parse_rational_rejects(text):
    with pytest.raises(InputError) as ei:
        _parse_rational(text, "f.csv, row 2, column 1")
    assert one_line(ei).startswith("f.csv, row 2, column 1: ")


# --- CSV ---------------------------------------------------------------------

def test_csv_without_header(tmp_path):
    ds = load_dataset(write(tmp_path, "a.csv", "0.1,3/7,1\n-2,1e-3,0.5\n"))
    assert (ds.d, ds.p, ds.l) == (2, 2, 1)
    assert ds.X == ((q(1, 10), q(3, 7)), (q(-2), q(1, 1000)))
    assert ds.Y == ((q(1),), (q(1, 2),))
    assert ds.row_labels == (1, 2)
    assert ds.source.endswith("a.csv")


def test_csv_header_comments_blank_lines_and_outputs(tmp_path):
    text = "# comment\n x1 , x2 , y1 , y2 \n\n1, 2, 3, 4\n  # another\n5,6,7,8\n"
    ds = load_dataset(write(tmp_path, "b.CSV", text), outputs=2)
    assert (ds.d, ds.p, ds.l) == (2, 2, 2)
    assert ds.Y[1] == (q(7), q(8))
    assert ds.row_labels == (4, 6)
    np.testing.assert_array_equal(ds.x_f64(), [[1.0, 2.0], [5.0, 6.0]])
    assert ds.y_f64().shape == (2, 2)


def test_csv_ragged_row(tmp_path):
    with pytest.raises(InputError) as ei:
        load_dataset(write(tmp_path, "c.csv", "a,b,c\n1,2,3\n\n4,5\n"))
    assert "row 4" in one_line(ei) and "c.csv" in one_line(ei)


def test_csv_non_numeric_cell_names_row_and_column(tmp_path):
    with pytest.raises(InputError) as ei:
        load_dataset(write(tmp_path, "d.csv", "x,y\n1,2\n3,abc\n"))
    msg = one_line(ei)
    assert "d.csv" in msg and "row 3" in msg and "column 2" in msg and "'abc'" in msg


@pytest.mark.parametrize("cell", ["nan", "inf", "-inf", "NaN"])
def test_csv_nonfinite_rejected(tmp_path, cell):
    with pytest.raises(InputError, match="non-finite"):
        load_dataset(write(tmp_path, "e.csv", f"1,2\n{cell},3\n"))
    with pytest.raises(InputError, match="non-finite"):  # not mistaken for a header
        load_dataset(write(tmp_path, "e2.csv", f"{cell},2\n1,3\n"))


def test_csv_hostile_cell(tmp_path):
    with pytest.raises(InputError) as ei:
        load_dataset(write(tmp_path, "h.csv", "x,y\n1,2\n__import__('os').system('x'),3\n"))
    assert "row 3" in one_line(ei)


def test_csv_empty_cell_in_first_row(tmp_path):
    with pytest.raises(InputError, match="row 1, column 3"):
        load_dataset(write(tmp_path, "t.csv", "1,2,\n3,4,5\n"))


def test_json_huge_integer_exact(tmp_path):
    big = "1" + "0" * 5000
    ds = load_dataset(write(tmp_path, "big.json", '{"x": [[%s]], "y": [1]}' % big))
    assert ds.X[0][0] == q(10) ** 5000


def test_csv_outputs_checks(tmp_path):
    path = write(tmp_path, "o.csv", "1,2\n3,4\n")
    with pytest.raises(InputError, match="no input column"):
        load_dataset(path, outputs=2)
    with pytest.raises(InputError, match="outputs"):
        load_dataset(path, outputs=0)


def test_csv_empty_and_header_only(tmp_path):
    with pytest.raises(InputError, match="empty"):
        load_dataset(write(tmp_path, "empty.csv", ""))
    with pytest.raises(InputError, match="no data rows"):
        load_dataset(write(tmp_path, "hdr.csv", "x,y\n# nothing\n"))
    with pytest.raises(InputError, match="no data rows"):
        load_dataset(write(tmp_path, "blank.csv", "\n\n# c\n"))


def test_duplicates_cite_file_rows(tmp_path):
    text = "x1,x2,y\n1,2,0\n3,4,1\n# c\n1,2,5\n0.5,1/2,1\n1/2,0.5,2\n3,4,1\n"
    ds = load_dataset(write(tmp_path, "dup.csv", text))
    assert ds.duplicate_rows() == [(1, 3), (2, 6), (4, 5)]
    with pytest.raises(InputError) as ei:
        ds.require_distinct()
    msg = one_line(ei)
    assert "duplicate inputs x_i at rows 2 and 5" in msg and "2 more groups" in msg
    assert "dup.csv" in msg


def test_require_distinct_ok_and_triple():
    ds = dataset_from_arrays([[1], [2]], [0, 1])
    ds.require_distinct()
    ds3 = Dataset(((q(1),), (q(1),), (q(1),)), ((q(0),),) * 3, row_labels=(10, 11, 12))
    with pytest.raises(InputError, match=r"rows 10, 11 and 12$"):
        ds3.require_distinct()


# --- JSON --------------------------------------------------------------------

def test_json_simple_form_floats_exact(tmp_path):
    path = write(tmp_path, "s.json", '{"x": [[0.1, "1/3"], [2, 1e-3]], "y": [0.3, -1]}')
    ds = load_dataset(path)
    assert ds.X == ((q(1, 10), q(1, 3)), (q(2), q(1, 1000)))
    assert ds.Y == ((q(3, 10),), (q(-1),))
    ds2 = load_dataset(write(tmp_path, "s2.json", '{"x": [[1], [2]], "y": [[1, 2], [3, 4]]}'))
    assert ds2.l == 2


@pytest.mark.parametrize("text, match", [
    ('{"x": [[NaN]], "y": [1]}', "non-finite"),
    ('{"x": [[Infinity]], "y": [1]}', "non-finite"),
    ('{"x": [[1]], "y": [1], "z": 0}', "keys"),
    ('{"x": [[1]], "x": [[2]], "y": [1]}', "duplicate key"),
    ('{"x": [[1], [2, 3]], "y": [1, 2]}', "row 2"),
    ('{"x": [[1], [2]], "y": [1]}', "rows"),
    ('{"x": [[true]], "y": [1]}', "boolean"),
    ('{"x": [[null]], "y": [1]}', "unsupported"),
    ('[1, 2]', "object"),
    ('{"x": [[1]', "invalid JSON"),
    ('   ', "empty"),
])
def test_json_rejects(tmp_path, text, match):
    with pytest.raises(InputError, match=match) as ei:
        load_dataset(write(tmp_path, "bad.json", text))
    assert "bad.json" in one_line(ei)


def test_to_json_roundtrip_and_canonical(tmp_path):
    ds = dataset_from_arrays([[Fraction(2, 4), 3], ["-0.25", 0.5]], [[1, -1], ["6/3", 0]])
    obj = ds.to_json()
    assert obj == {"format": "verifier-dataset", "version": 1, "p": 2, "l": 2,
                   "x": [["1/2", "3"], ["-1/4", "1/2"]], "y": [["1", "-1"], ["2", "0"]]}
    assert Dataset.from_json(obj) == ds
    path = tmp_path / "canon.json"
    path.write_text(json.dumps(obj))
    loaded = load_dataset(path, outputs=5)  # outputs ignored for JSON
    assert loaded == ds and loaded.sha256() == ds.sha256() and len(ds.sha256()) == 64
    assert ds.sha256() != dataset_from_arrays([[1, 3], [0, 0]], [[1, -1], [2, 0]]).sha256()


@pytest.mark.parametrize("mutate", [
    lambda o: o.update(extra=1),
    lambda o: o.pop("l"),
    lambda o: o.update(version=2),
    lambda o: o.update(format="other"),
    lambda o: o.update(p=True),
    lambda o: o.update(p=3),
    lambda o: o.update(y=[["1"]]),
    lambda o: o.update(x=[["1/2", 0.5], ["1", "2"]]),
    lambda o: o.update(x="12"),
    lambda o: o.update(x=[["1/2", "nan"], ["1", "2"]]),
])
def test_from_json_strict(mutate):
    obj = dataset_from_arrays([[1, 2], [3, 4]], [5, 6]).to_json()
    mutate(obj)
    with pytest.raises(InputError):
        Dataset.from_json(obj)


# --- NPY ---------------------------------------------------------------------

def test_npy_roundtrip_exact_binary(tmp_path):
    arr = np.array([[0.1, 2.0, 1.0], [3.0, -0.5, 0.0]])
    np.save(tmp_path / "a.npy", arr)
    ds = load_dataset(tmp_path / "a.npy")
    assert ds.X[0][0] == q(*(0.1).as_integer_ratio()) != q(1, 10)
    np.testing.assert_array_equal(ds.x_f64(), arr[:, :2])
    np.testing.assert_array_equal(ds.y_f64(), arr[:, 2:])
    with open(tmp_path / "i.NPY", "wb") as fh:  # np.save would append ".npy"
        np.save(fh, np.arange(6, dtype=np.int32).reshape(2, 3))
    assert load_dataset(tmp_path / "i.NPY", outputs=2).Y == ((q(1), q(2)), (q(4), q(5)))


def test_npy_refusals(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([[1, "x"]], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="obj.npy") as ei:
        load_dataset(tmp_path / "obj.npy")
    one_line(ei)
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="non-finite"):
        load_dataset(tmp_path / "nan.npy")
    np.save(tmp_path / "one.npy", np.array([1.0, 2.0]))
    with pytest.raises(InputError, match="2-D"):
        load_dataset(tmp_path / "one.npy")
    np.save(tmp_path / "zero.npy", np.zeros((0, 3)))
    with pytest.raises(InputError, match="no data rows"):
        load_dataset(tmp_path / "zero.npy")
    (tmp_path / "junk.npy").write_bytes(b"not an npy file at all")
    with pytest.raises(InputError, match="junk.npy"):
        load_dataset(tmp_path / "junk.npy")


# --- paths ---------------------------------------------------------------------

def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(InputError) as ei:
        load_dataset(write(tmp_path, "data.txt", "1,2\n"))
    assert ".csv" in one_line(ei) and ".json" in one_line(ei) and ".npy" in one_line(ei)
    with pytest.raises(InputError) as ei:
        load_dataset(tmp_path / "missing.csv")
    assert "missing.csv" in one_line(ei)
    with pytest.raises(InputError):
        load_dataset(tmp_path)  # a directory, no suffix
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="dir.csv"):
        load_dataset(tmp_path / "dir.csv")


def test_non_utf8(tmp_path):
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x01,2\n")
    with pytest.raises(InputError, match="UTF-8"):
        load_dataset(tmp_path / "bin.csv")


# --- dataset_from_arrays and Dataset -------------------------------------------

def test_from_arrays_mixed_entries():
    ds = dataset_from_arrays(
        np.array([[0.1, 1], [2, 3]], dtype=object),
        [Fraction(1, 3), "2.5e-1"],
    )
    assert ds.X[0][0] == q(3602879701896397, 36028797018963968)
    assert ds.Y == ((q(1, 3),), (q(1, 4),))
    ds2 = dataset_from_arrays(np.array([[1.5], [np.float32(0.1)]], dtype=np.float32), np.array([1, 2]))
    assert ds2.X[1][0] == q(*float(np.float32(0.1)).as_integer_ratio())
    assert dataset_from_arrays([["1/2"]], [[q(7)]]).Y == ((q(7),),)


@pytest.mark.parametrize("X, Y, match", [
    ([[float("nan")]], [1], "non-finite"),
    ([[float("inf")]], [1], "non-finite"),
    ([[1], [2]], [1], "rows"),
    ([[1, 2], [3]], [1, 2], "row 2"),
    ([], [], "non-empty"),
    ([[]], [1], "column"),
    ([[True]], [1], "boolean"),
    ([["__import__('os').system('x')"]], [1], "not an exact rational"),
    ([[1j]], [1], "unsupported"),
    (np.zeros((2, 2, 2)), [1, 2], "2-D"),
])
def test_from_arrays_rejects(X, Y, match):
    with pytest.raises(InputError, match=match):
        dataset_from_arrays(X, Y)


def test_dataset_validation_equality_and_repr():
    a = Dataset([[q(1)]], [[q(2)]], source="a", row_labels=(5,))
    b = Dataset(((q(1),),), ((q(2),),), source="b")
    assert a == b and hash(a) == hash(b) and isinstance(a.X, tuple)
    assert b.row_labels == (1,)
    assert repr(a) == "Dataset(d=1, p=1, l=1, source='a')"
    with pytest.raises(InputError):
        Dataset(((1,),), ((q(2),),))
    with pytest.raises(InputError):
        Dataset(((q(1),),), ((q(2),),), row_labels=(1, 2))
    with pytest.raises(InputError):
        Dataset(((q(1),), (q(2),)), ((q(2),),))
    with pytest.raises(AttributeError):
        a.source = "x"


# --- the header rule (docs/data-format.md) and exact data beyond float64 ------------------------------------

@pytest.mark.parametrize("first", ["x1,y", '"x","y"', "speed,target (m/s)", "\u03b1,\u03b2", "_a,b[0]",
                                   " x , y ", "e5,E10", "a.b,c-d"])
def test_a_row_of_names_is_a_header(tmp_path, first):
    ds = load_dataset(write(tmp_path, "h.csv", f"{first}\n1,2\n3,4\n"))
    assert ds.d == 2 and ds.row_labels == (2, 3)


@pytest.mark.parametrize("first, fragment", [
    ("1 / 2,7", "row 1, column 1: not an exact rational number: '1 / 2'"),
    ("0.5.1,3", "row 1, column 1"),
    ("x,0", "row 1, column 1: not an exact rational number: 'x'"),
    ("x,inf", "column 2 'inf' is not a column name"),
    ("nan,2", "non-finite"),
    ("y,1/0", "column 2 '1/0' is not a column name"),
    ("3x,y", "row 1, column 1"),
])
def test_a_malformed_first_row_is_an_error_not_a_header(tmp_path, first, fragment):
    with pytest.raises(InputError) as ei:
        load_dataset(write(tmp_path, "m.csv", f"{first}\n1,2\n3,4\n"))
    assert fragment in one_line(ei)


def test_exact_data_beyond_float64_is_read_and_float_paths_name_themselves(tmp_path):
    ds = load_dataset(write(tmp_path, "big.csv", "x,y\n1e400,-1e400\n2,3/7\n"))
    assert ds.X[0][0] == q(10) ** 400 and ds.Y[0][0] == -q(10) ** 400
    with pytest.raises(InputError) as ei:
        ds.y_f64("the torch backend")
    msg = one_line(ei)
    assert "big.csv: y value" in msg and "row 2, column 1" in msg and "the torch backend needs float64" in msg
    tiny = dataset_from_arrays([["1e-400"]], [0])
    assert tiny.x_f64()[0, 0] == 0.0                     # rounds to nearest: tiny values are no error


def test_dataset_size_limits(tmp_path, monkeypatch):
    import verifier.data as data_mod
    monkeypatch.setattr(data_mod, "MAX_VALUES", 5)
    with pytest.raises(InputError, match="more than the 5"):
        load_dataset(write(tmp_path, "v.csv", "1,2\n3,4\n5,6\n"))
    with pytest.raises(InputError, match="more than the 5"):
        dataset_from_arrays([[1, 2], [3, 4], [5, 6]], [1, 2, 3])
    monkeypatch.setattr(data_mod, "MAX_DATA_BYTES", 10)
    with pytest.raises(InputError, match="larger than the limit of 10 bytes"):
        load_dataset(write(tmp_path, "w.csv", "1,2\n3,4\n5,6\n"))
