"""Training data held as exact rationals, and loaders for CSV, JSON and ``.npy`` files.

Every value is stored as a :class:`flint.fmpq`. Decimal text such as ``0.1`` means
exactly 1/10; binary floats (from ``.npy`` files or Python/NumPy floats) are taken at
their exact binary value. Nothing read from a file is ever evaluated: numbers are
parsed by a small regular grammar (:func:`_parse_rational`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpz

from verifier.errors import InputError

__all__ = ["Dataset", "dataset_from_arrays", "load_dataset"]

_FORMAT = "verifier-dataset"
_VERSION = 1
_SUFFIXES = (".csv", ".json", ".npy")
_MAX_EXPONENT = 10_000
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_FRACTION = re.compile(r"([+-]?[0-9]+)/([0-9]+)", re.ASCII)
_NONFINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _show(text: Any, limit: int = 40) -> str:
    """Quote ``text`` on one line, shortened to about ``limit`` characters."""
    s = str(text)
    return repr(s if len(s) <= limit else s[:limit] + "...")


def _parse_rational(s: str, where: str = "") -> fmpq:
    """Parse an exact rational from decimal or fraction text.

    Parameters
    ----------
    s : str
        ``[sign]digits[.digits][e[sign]digits]`` (``1e-3``, ``-2.5E4``, ``.5``) or
        ``[sign]p/q`` with ``q != 0``. Surrounding whitespace is ignored.
    where : str, optional
        Location prefix for the error message (file, row, column).

    Returns
    -------
    fmpq
        The exact value; ``"0.1"`` gives ``fmpq(1, 10)``.

    Raises
    ------
    InputError
        For anything else (``nan``, ``inf``, hex, empty text, expressions, ...).
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(s, str):
        raise InputError(f"{prefix}expected a number, got {type(s).__name__}")
    t = s.strip()
    if t.lower() in _NONFINITE:
        raise InputError(f"{prefix}non-finite value {_show(t)} is not allowed")
    m = _FRACTION.fullmatch(t)
    if m:
        q = fmpz(m.group(2))
        if q == 0:
            raise InputError(f"{prefix}zero denominator in {_show(t)}")
        return fmpq(fmpz(m.group(1)), q)
    m = _DECIMAL.fullmatch(t)
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac, exp = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        if exp is not None and len(exp.lstrip("+-").lstrip("0")) > 6:
            raise InputError(f"{prefix}exponent out of range in {_show(t)}")
        e = int(exp or 0)
        if abs(e) > _MAX_EXPONENT:
            raise InputError(f"{prefix}exponent out of range in {_show(t)}")
        mant = fmpz((whole + frac) or "0")
        e -= len(frac)
        value = fmpq(mant * fmpz(10) ** e) if e >= 0 else fmpq(mant, fmpz(10) ** (-e))
        return -value if sign == "-" else value
    raise InputError(f"{prefix}cannot parse {_show(t)} as an exact rational number")


def _to_fmpq(v: Any, where: str) -> fmpq:
    """Convert one entry (int, Fraction, fmpq, fmpz, rational string, finite float) exactly."""
    if isinstance(v, fmpq):
        return v
    if isinstance(v, (bool, np.bool_)):
        raise InputError(f"{where}: boolean {v!r} is not a number")
    if isinstance(v, (int, np.integer, fmpz)):
        return fmpq(fmpz(int(v)))
    if isinstance(v, Fraction):
        return fmpq(fmpz(v.numerator), fmpz(v.denominator))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise InputError(f"{where}: non-finite value {v!r} is not allowed")
        n, q = v.as_integer_ratio()
        return fmpq(fmpz(int(n)), fmpz(int(q)))
    if isinstance(v, str):
        return _parse_rational(v, where)
    raise InputError(f"{where}: unsupported value of type {type(v).__name__}")


def _fmt(v: fmpq) -> str:
    """Canonical exact text: ``"-3/7"``, or ``"5"`` for integers."""
    return str(v.p) if v.q == 1 else f"{v.p}/{v.q}"


def _f64(v: fmpq) -> float:
    """Round ``v`` to the nearest float64 (correctly rounded integer division)."""
    try:
        return int(v.p) / int(v.q)
    except OverflowError:
        raise InputError(f"value {_show(_fmt(v))} is outside the float64 range") from None


@dataclass(frozen=True, repr=False)
class Dataset:
    """d points x_i in R^p with targets y_i in R^l, stored as exact rationals (flint.fmpq).

    Parameters
    ----------
    X : tuple of tuple of fmpq
        ``d`` rows of length ``p`` (lists are accepted and frozen into tuples).
    Y : tuple of tuple of fmpq
        ``d`` rows of length ``l``.
    source : str, optional
        Where the data came from, for reports. Not part of equality.
    row_labels : tuple of int, optional
        The row number the user sees for each point (for CSV files, the file's line
        number, header counted). Defaults to ``1..d``. Not part of equality.
    """

    X: tuple[tuple[fmpq, ...], ...]
    Y: tuple[tuple[fmpq, ...], ...]
    source: str = field(default="", compare=False)
    row_labels: tuple[int, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        where = f"{self.source}: " if self.source else ""
        for name in ("X", "Y"):
            rows = getattr(self, name)
            if not isinstance(rows, (tuple, list)) or not all(isinstance(r, (tuple, list)) for r in rows):
                raise InputError(f"{where}{name} must be a sequence of rows")
            rows = tuple(tuple(r) for r in rows)
            if not rows:
                raise InputError(f"{where}dataset has no data rows")
            width = len(rows[0])
            if width == 0:
                raise InputError(f"{where}{name} rows must have at least one column")
            for i, r in enumerate(rows, 1):
                if len(r) != width:
                    raise InputError(f"{where}{name} row {i} has {len(r)} entries, expected {width}")
                if not all(isinstance(v, fmpq) for v in r):
                    raise InputError(f"{where}{name} row {i} holds a value that is not an fmpq")
            object.__setattr__(self, name, rows)
        if len(self.X) != len(self.Y):
            raise InputError(f"{where}X has {len(self.X)} rows but Y has {len(self.Y)}")
        labels = tuple(self.row_labels) or tuple(range(1, len(self.X) + 1))
        if len(labels) != len(self.X) or not all(type(k) is int for k in labels):
            raise InputError(f"{where}row_labels must be {len(self.X)} integers")
        object.__setattr__(self, "row_labels", labels)

    def __repr__(self) -> str:
        return f"Dataset(d={self.d}, p={self.p}, l={self.l}, source={self.source!r})"

    @property
    def d(self) -> int:
        """Number of data points."""
        return len(self.X)

    @property
    def p(self) -> int:
        """Input dimension."""
        return len(self.X[0])

    @property
    def l(self) -> int:  # noqa: E743
        """Output (target) dimension."""
        return len(self.Y[0])

    def x_f64(self) -> np.ndarray:
        """Inputs rounded to nearest float64, shape ``(d, p)``."""
        return np.array([[_f64(v) for v in r] for r in self.X], dtype=np.float64)

    def y_f64(self) -> np.ndarray:
        """Targets rounded to nearest float64, shape ``(d, l)``."""
        return np.array([[_f64(v) for v in r] for r in self.Y], dtype=np.float64)

    def to_json(self) -> dict:
        """Canonical JSON-ready dict with exact lowest-terms strings (``"1/2"``, ``"3"``)."""
        return {
            "format": _FORMAT, "version": _VERSION, "p": self.p, "l": self.l,
            "x": [[_fmt(v) for v in r] for r in self.X],
            "y": [[_fmt(v) for v in r] for r in self.Y],
        }

    @classmethod
    def from_json(cls, obj: dict, *, source: str = "") -> "Dataset":
        """Rebuild a dataset from :meth:`to_json` output, strictly.

        Parameters
        ----------
        obj : dict
            Keys exactly ``format, version, p, l, x, y``; entries exact-rational
            strings or integers.
        source : str, optional
            Recorded as :attr:`source` and used in error messages.

        Raises
        ------
        InputError
            Unknown or missing keys, wrong types, wrong lengths, bad numbers.
        """
        where = source or "dataset JSON"
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object")
        keys = {"format", "version", "p", "l", "x", "y"}
        if set(obj) != keys:
            extra, missing = sorted(map(str, set(obj) - keys)), sorted(keys - set(obj))
            parts = [f"{what} keys {ks}" for what, ks in (("unknown", extra), ("missing", missing)) if ks]
            raise InputError(f"{where}: {'; '.join(parts)}")
        if obj["format"] != _FORMAT or type(obj["version"]) is not int or obj["version"] != _VERSION:
            raise InputError(f"{where}: expected format {_FORMAT!r} version {_VERSION}")
        dims = {}
        for k in ("p", "l"):
            if type(obj[k]) is not int or obj[k] < 1:
                raise InputError(f"{where}: {k!r} must be a positive integer")
            dims[k] = obj[k]
        X = _matrix(obj["x"], "x", where, dims["p"], exact_only=True)
        Y = _matrix(obj["y"], "y", where, dims["l"], exact_only=True)
        if len(X) != len(Y):
            raise InputError(f"{where}: x has {len(X)} rows but y has {len(Y)}")
        return cls(X, Y, source=source)

    def sha256(self) -> str:
        """Hex SHA-256 of the canonical JSON (sorted keys, no whitespace)."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def duplicate_rows(self) -> list[tuple[int, ...]]:
        """Groups of 1-based indices ``i`` whose inputs ``x_i`` are exactly equal.

        Returns
        -------
        list of tuple of int
            Each group sorted, groups sorted; only groups of size >= 2.
        """
        seen: dict[tuple[fmpq, ...], list[int]] = {}
        for i, row in enumerate(self.X, 1):
            seen.setdefault(row, []).append(i)
        return sorted(tuple(g) for g in seen.values() if len(g) > 1)

    def require_distinct(self) -> None:
        """Raise :class:`InputError` if two inputs coincide, citing user-visible rows."""
        groups = self.duplicate_rows()
        if not groups:
            return
        rows = [str(self.row_labels[i - 1]) for i in groups[0]]
        text = ", ".join(rows[:-1]) + " and " + rows[-1]
        more = len(groups) - 1
        tail = f" (and {more} more group{'s' if more > 1 else ''} of duplicates)" if more else ""
        where = f"{self.source}: " if self.source else ""
        raise InputError(f"{where}duplicate inputs x_i at rows {text}{tail}")


def _matrix(rows: Any, name: str, where: str, width: int | None = None,
            exact_only: bool = False, column_ok: bool = False) -> list[list[fmpq]]:
    """Convert a (d, width) nested sequence (or NumPy array) to exact rows."""
    if isinstance(rows, np.ndarray):
        if rows.ndim == 1 and column_ok:
            rows = rows.reshape(-1, 1)
        if rows.ndim != 2 or rows.dtype.kind not in "iufO":
            raise InputError(f"{where}: {name} must be a 2-D numeric array, got {rows.ndim}-D {rows.dtype}")
        rows = list(rows)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError(f"{where}: {name} must be a non-empty list of rows")
    scalar = (str, int, float, Fraction, fmpq, fmpz, np.number)
    if column_ok and all(isinstance(r, scalar) for r in rows):
        rows = [[r] for r in rows]
    out = []
    for i, r in enumerate(rows, 1):
        if not isinstance(r, (list, tuple, np.ndarray)) or (isinstance(r, np.ndarray) and r.ndim != 1):
            raise InputError(f"{where}: {name} row {i} is not a list of numbers")
        width = len(r) if width is None else width
        if len(r) != width:
            raise InputError(f"{where}: {name} row {i} has {len(r)} entries, expected {width}")
        conv = []
        for j, v in enumerate(r, 1):
            loc = f"{where}, {name} row {i}, column {j}"
            if exact_only and not isinstance(v, (str, int)):
                raise InputError(f"{loc}: expected an exact-rational string or integer")
            conv.append(_to_fmpq(v, loc))
        out.append(conv)
    return out


def dataset_from_arrays(X: Any, Y: Any, *, source: str = "") -> Dataset:
    """Build a :class:`Dataset` from array-likes, converting every entry exactly.

    Parameters
    ----------
    X : array_like, shape (d, p)
    Y : array_like, shape (d,) or (d, l)
        Entries may be ints, Fractions, fmpq, exact-rational strings or floats;
        a float becomes the exact rational of its binary value.
    source : str, optional
        Recorded as :attr:`Dataset.source`.

    Raises
    ------
    InputError
        Non-finite or unparseable entries, ragged or mismatched shapes.
    """
    where = source or "arrays"
    return Dataset(_matrix(X, "X", where), _matrix(Y, "Y", where, column_ok=True), source=source)


def _check_outputs(outputs: Any, ncols: int, where: str) -> None:
    if type(outputs) is not int or outputs < 1:
        raise InputError(f"{where}: outputs must be a positive integer, got {outputs!r}")
    if ncols <= outputs:
        raise InputError(f"{where}: {ncols} columns leave no input column with outputs={outputs}")


def _read_text(p: str, path: str) -> str:
    try:
        with open(p, encoding="utf-8-sig", newline=None) as fh:
            return fh.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid UTF-8 text") from None


def _load_csv(p: str, path: str, outputs: int) -> Dataset:
    lines = [(n, ln.strip()) for n, ln in enumerate(_read_text(p, path).split("\n"), 1)]
    rows = [(n, [c.strip() for c in ln.split(",")]) for n, ln in lines if ln and not ln.startswith("#")]
    if not rows:
        raise InputError(f"{path}: no data rows")
    ncols = len(rows[0][1])
    n0, first = rows[0]
    try:
        [_parse_rational(c) for c in first]
    except InputError:
        for j, c in enumerate(first, 1):
            if c.lower() in _NONFINITE or not c:  # not a header: report the bad cell
                _parse_rational(c, f"{path}, row {n0}, column {j}")
        rows = rows[1:]  # header row
        if not rows:
            raise InputError(f"{path}: no data rows after the header")
    _check_outputs(outputs, ncols, path)
    X, Y, labels = [], [], []
    for n, cells in [(n0, first)] + rows:
        if len(cells) != ncols:
            raise InputError(f"{path}, row {n}: {len(cells)} columns, expected {ncols}")
    for n, cells in rows:
        vals = [_parse_rational(c, f"{path}, row {n}, column {j}") for j, c in enumerate(cells, 1)]
        X.append(vals[:-outputs])
        Y.append(vals[-outputs:])
        labels.append(n)
    return Dataset(X, Y, source=path, row_labels=tuple(labels))


def _no_constant(name: str) -> Any:
    raise InputError(f"non-finite value {name} is not allowed")


def _unique_keys(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise InputError(f"duplicate key {_show(k)} in a JSON object")
        out[k] = v
    return out


def _load_json(p: str, path: str) -> Dataset:
    text = _read_text(p, path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        obj = json.loads(text, parse_float=str, parse_constant=_no_constant,
                         parse_int=lambda s: int(s) if len(s) < 4000 else s,
                         object_pairs_hook=_unique_keys)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    except (ValueError, RecursionError) as e:
        raise InputError(f"{path}: invalid JSON: {type(e).__name__}") from None
    if isinstance(obj, dict) and "format" in obj:
        return Dataset.from_json(obj, source=path)
    if not isinstance(obj, dict) or set(obj) != {"x", "y"}:
        raise InputError(f"{path}: expected a JSON object with exactly the keys 'x' and 'y' "
                         f"(or the {_FORMAT!r} format)")
    return dataset_from_arrays(obj["x"], obj["y"], source=path)


def _load_npy(p: str, path: str, outputs: int) -> Dataset:
    try:
        with open(p, "rb") as fh:
            arr = np.load(fh, allow_pickle=False)
            is_array = isinstance(arr, np.ndarray)
    except (ValueError, EOFError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"{path}: cannot load .npy array: {msg}") from None
    if not is_array:
        raise InputError(f"{path}: expected a single .npy array, not an archive")
    if arr.ndim != 2 or arr.dtype.kind not in "iuf":
        raise InputError(f"{path}: expected a 2-D integer or float array, got {arr.ndim}-D {arr.dtype}")
    if arr.shape[0] == 0:
        raise InputError(f"{path}: no data rows")
    _check_outputs(outputs, arr.shape[1], path)
    return dataset_from_arrays(arr[:, :-outputs], arr[:, -outputs:], source=path)


def load_dataset(path: str | os.PathLike, *, outputs: int = 1) -> Dataset:
    """Load a dataset from ``.csv``, ``.json`` or ``.npy`` (suffix, case-insensitive).

    Parameters
    ----------
    path : str or os.PathLike
        The file. CSV: comma-separated, optional header, ``#`` comments and blank
        lines skipped. JSON: the :meth:`Dataset.to_json` format or ``{"x": ..., "y": ...}``;
        JSON floats are read as the decimal written. NPY: 2-D int/float array.
    outputs : int, optional
        For CSV and NPY, how many trailing columns are targets (default 1). JSON
        files carry ``x`` and ``y`` separately, so it is ignored there.

    Returns
    -------
    Dataset
        Duplicate inputs are *not* rejected here; see :meth:`Dataset.require_distinct`.

    Raises
    ------
    InputError
        Unknown suffix, missing/unreadable/empty file, malformed or non-finite values.
    """
    p = os.fspath(path)
    shown = p if p.isprintable() else repr(p)
    suffix = os.path.splitext(p)[1].lower()
    if suffix not in _SUFFIXES:
        raise InputError(f"{shown}: unsupported file type {suffix or '(none)'!r}; "
                         f"supported: {', '.join(_SUFFIXES)}")
    try:
        if os.path.getsize(p) == 0:
            raise InputError(f"{shown}: empty file")
        if suffix == ".csv":
            return _load_csv(p, shown, outputs)
        if suffix == ".json":
            return _load_json(p, shown)
        return _load_npy(p, shown, outputs)
    except OSError as e:
        raise InputError(f"{shown}: cannot read file: {e.strerror or type(e).__name__}") from None
