"""Training data held as exact rationals, and loaders for CSV, JSON and ``.npy`` files.

Every value is stored as a :class:`flint.fmpq`. Decimal text such as ``0.1`` means
exactly 1/10; binary floats (from ``.npy`` files or Python/NumPy floats) are taken at
their exact binary value. Nothing read from a file is ever evaluated: numbers are
parsed by one small regular grammar (:func:`parse_exact`, docs/data-format.md), which
the networks, points and options share.

Reading is bounded before it is spent (docs/data-format.md): :func:`read_limited` reads
a regular file or a pipe up to a size limit and refuses devices such as ``/dev/zero``;
:func:`read_npy` and :func:`read_npz` check an array's header (shape, dtype, the bytes
the file holds) before allocating it; a dataset holds at most :data:`MAX_VALUES` numbers
of at most :data:`MAX_DIGITS` digits each. Exact data of any magnitude is accepted; only
the float64 paths (:meth:`Dataset.x_f64`, :meth:`Dataset.y_f64`) need values below about
1.8e308, and they say which computation needed them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import sys
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flint import fmpq, fmpz

from verifier.errors import InputError

if TYPE_CHECKING:   # annotations only: numpy is imported where arrays are made
    import numpy as np

__all__ = ["Dataset", "dataset_from_arrays", "load_dataset", "parse_exact", "read_limited", "read_npy",
           "read_npz", "json_items", "MAX_DIGITS", "MAX_DATA_BYTES", "MAX_VALUES", "MAX_CSV_LINES", "MAX_ARRAY_BYTES",
           "MAX_ARRAY_ELEMENTS"]

_FORMAT = "verifier-dataset"
_VERSION = 1
_SUFFIXES = (".csv", ".json", ".npy")

# Limits (docs/data-format.md). Each is checked before the work it bounds is done.
MAX_DIGITS = 10_000              # digits of an exact number's numerator and of its denominator (lowest terms)
MAX_NUMBER_CHARS = 2 * MAX_DIGITS + 100   # characters of one number's text
_MAX_EXPONENT = 10_000           # |e| in 1.5e-3
MAX_DATA_BYTES = 64 * 2 ** 20    # a .csv or .json data file
MAX_VALUES = 1_000_000           # numbers in one exact dataset, d * (p + l)
MAX_CSV_LINES = 2 * MAX_VALUES   # lines of a CSV file, comments and blank lines included
MAX_ARRAY_BYTES = 2 ** 30        # an .npy/.npz/.pt file of the torch backend
MAX_ARRAY_ELEMENTS = 2 ** 27     # entries of one array in such a file (1 GiB as float64)
_MAX_NPY_HEADER = 10_000         # bytes of an .npy header
_DIGIT_LIMIT = fmpz(10) ** MAX_DIGITS
_WS = " \t\r\n\f\v"             # the whitespace allowed around a number (ASCII only)

_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_FRACTION = re.compile(r"([+-]?)([0-9]+)/([0-9]+)", re.ASCII)
_NONFINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_EXPECTED = "(expected e.g. '3', '-2/7', '0.125', '1e-3')"


def _show(text: Any, limit: int = 40) -> str:
    """Quote ``text`` on one line, shortened to about ``limit`` characters."""
    s = str(text)
    return repr(s if len(s) <= limit else s[:limit] + "...")


def _size_ok(v: fmpq, prefix: str, text: Any = None) -> fmpq:
    """``v`` if its numerator and denominator have at most MAX_DIGITS digits; else InputError."""
    if abs(v.p) >= _DIGIT_LIMIT or v.q >= _DIGIT_LIMIT:
        what = _show(text) if text is not None else "a number"
        raise InputError(f"{prefix}{what} is too large for an exact number: its numerator or denominator has more "
                         f"than {MAX_DIGITS} digits")
    return v


def parse_exact(s: str, where: str = "", *, max_chars: int = MAX_NUMBER_CHARS) -> fmpq:
    """Parse an exact rational from text, by the grammar of docs/data-format.md (never evaluated).

    Parameters
    ----------
    s : str
        ``[sign]p/q`` with ``q != 0``, or ``[sign]digits[.digits][e[sign]digits]`` where the digits
        before or after the point may be left out but not both (``1e-3``, ``-2.5E4``, ``.5``, ``5.``);
        sign is ``+`` or ``-``, digits are ASCII ``0-9``. Surrounding ASCII whitespace is ignored.
        Limits: at most ``max_chars`` characters, ``|exponent| <= 10000``, and the value's numerator
        and denominator (lowest terms) at most :data:`MAX_DIGITS` digits each.
    where : str, optional
        Location prefix for the error message (file, row, column).

    Returns
    -------
    fmpq
        The exact value; ``"0.1"`` gives ``fmpq(1, 10)``.

    Raises
    ------
    InputError
        For anything else (``nan``, ``inf``, hex, empty text, expressions, ``1_000``, ...): one line,
        never another exception.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(s, str):
        raise InputError(f"{prefix}expected a number, got {type(s).__name__}")
    if len(s) > max_chars:
        raise InputError(f"{prefix}number text too long ({len(s)} characters; at most {max_chars})")
    t = s.strip(_WS)
    if t.lower() in _NONFINITE:
        raise InputError(f"{prefix}non-finite value {_show(t)} is not allowed (expected an exact rational number)")
    m = _FRACTION.fullmatch(t)
    if m:
        q = fmpz(m.group(3))
        if q == 0:
            raise InputError(f"{prefix}zero denominator in {_show(t)}")
        value = fmpq(fmpz(m.group(2)), q)
        return _size_ok(-value if m.group(1) == "-" else value, prefix, t)
    m = _DECIMAL.fullmatch(t)
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac, exp = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        if exp is not None and len(exp.lstrip("+-").lstrip("0")) > 6:
            raise InputError(f"{prefix}exponent out of range in {_show(t)} (|exponent| <= {_MAX_EXPONENT})")
        e = int(exp or 0)
        if abs(e) > _MAX_EXPONENT:
            raise InputError(f"{prefix}exponent out of range in {_show(t)} (|exponent| <= {_MAX_EXPONENT})")
        mant = fmpz((whole + frac).lstrip("0") or "0")
        e -= len(frac)
        value = fmpq(mant * fmpz(10) ** e) if e >= 0 else fmpq(mant, fmpz(10) ** (-e))
        return _size_ok(-value if sign == "-" else value, prefix, t)
    raise InputError(f"{prefix}not an exact rational number: {_show(t)} {_EXPECTED}")


def _parse_rational(s: str, where: str = "") -> fmpq:
    """The data grammar (:func:`parse_exact`), kept under its old name for the loaders and tests."""
    return parse_exact(s, where)


def _to_fmpq(v: Any, where: str) -> fmpq:
    """Convert one entry (int, Fraction, fmpq, fmpz, rational string, finite float) exactly."""
    if isinstance(v, str):
        return parse_exact(v, where)
    # NumPy scalars are tested for only when numpy is loaded (a NumPy value cannot exist otherwise),
    # so that reading exact text never imports numpy.
    np = sys.modules.get("numpy")
    if isinstance(v, fmpq):
        q = v
    elif isinstance(v, bool) or (np is not None and isinstance(v, np.bool_)):
        raise InputError(f"{where}: boolean {v!r} is not a number")
    elif isinstance(v, (int, fmpz)) or (np is not None and isinstance(v, np.integer)):
        q = fmpq(fmpz(int(v)))
    elif isinstance(v, Fraction):
        q = fmpq(fmpz(v.numerator), fmpz(v.denominator))
    elif isinstance(v, float) or (np is not None and isinstance(v, np.floating)):
        if not (math.isfinite(v) if isinstance(v, float) else np.isfinite(v)):
            raise InputError(f"{where}: non-finite value {v!r} is not allowed")
        n, d = v.as_integer_ratio()
        return fmpq(fmpz(int(n)), fmpz(int(d)))
    else:
        raise InputError(f"{where}: unsupported value of type {type(v).__name__}")
    return _size_ok(q, f"{where}: ")


def _fmt(v: fmpq) -> str:
    """Canonical exact text: ``"-3/7"``, or ``"5"`` for integers."""
    return str(v.p) if v.q == 1 else f"{v.p}/{v.q}"


def _rows_f64(rows, name: str, labels, source: str, need: str) -> np.ndarray:
    """``rows`` rounded to nearest float64; InputError naming the entry and ``need`` if one overflows."""
    import numpy as np
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=np.float64)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            try:
                out[i, j] = int(v.p) / int(v.q)      # correctly rounded; tiny values round to 0
            except OverflowError:
                where = f"{source}: " if source else ""
                raise InputError(f"{where}{name} value {_show(_fmt(v))} (row {labels[i]}, column {j + 1}) is beyond "
                                 f"the float64 range (about 1.8e308), and {need or 'this computation'} needs "
                                 "float64; rescale the data (the exact computations take it as it is)") from None
    return out


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

    def x_f64(self, need: str = "") -> np.ndarray:
        """Inputs rounded to nearest float64, shape ``(d, p)``.

        Exact data of any magnitude is accepted when it is loaded; only a computation in float64 needs
        every entry below about 1.8e308. ``need`` names that computation in the error message (e.g.
        ``"the torch backend"``).

        Raises
        ------
        InputError
            An entry is beyond the float64 range; the message names the entry and ``need``.
        """
        return _rows_f64(self.X, "x", self.row_labels, self.source, need)

    def y_f64(self, need: str = "") -> np.ndarray:
        """Targets rounded to nearest float64, shape ``(d, l)``; see :meth:`x_f64`."""
        return _rows_f64(self.Y, "y", self.row_labels, self.source, need)

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
    np = sys.modules.get("numpy")      # an array can only come with numpy loaded
    arrays = (np.ndarray,) if np is not None else ()
    if isinstance(rows, arrays):
        if rows.ndim == 1 and column_ok:
            rows = rows.reshape(-1, 1)
        if rows.ndim != 2 or rows.dtype.kind not in "iufO":
            raise InputError(f"{where}: {name} must be a 2-D numeric array, got {rows.ndim}-D {rows.dtype}")
        _check_count(rows.size, where)
        rows = list(rows)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError(f"{where}: {name} must be a non-empty list of rows")
    first = rows[0]
    _check_count(len(rows) * (width if width is not None else
                              len(first) if isinstance(first, (list, tuple, *arrays)) else 1), where)
    scalar = (str, int, float, Fraction, fmpq, fmpz, *((np.number,) if np is not None else ()))
    if column_ok and all(isinstance(r, scalar) for r in rows):
        rows = [[r] for r in rows]
    out = []
    for i, r in enumerate(rows, 1):
        if not isinstance(r, (list, tuple, *arrays)) or (isinstance(r, arrays) and r.ndim != 1):
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


def _check_count(count: int, where: str) -> None:
    if count > MAX_VALUES:
        raise InputError(f"{where}: {count} values, more than the {MAX_VALUES} an exact dataset may hold")


def _mib(n: int) -> str:
    return f"{n // 2 ** 20} MiB" if n % 2 ** 20 == 0 else f"{n} bytes"


def _require_file(st: os.stat_result, what: str) -> None:
    """Only regular files and pipes are read: a device (``/dev/zero``) or socket may never end."""
    mode = st.st_mode
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return
    kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    raise InputError(f"{what}: {kind}, not a regular file")


def read_limited(path: str | os.PathLike, *, limit: int, what: str) -> bytes:
    """The bytes of a regular file (or a pipe), refusing it as soon as it is larger than ``limit``.

    A character or block device (``/dev/zero``, ``/dev/urandom``), a socket or a folder is refused before
    anything is read; a file is read in chunks and never past ``limit + 1`` bytes.

    Parameters
    ----------
    path : str or os.PathLike
    limit : int
        The most bytes accepted.
    what : str
        The start of the error messages, e.g. ``"network file net.json"``.

    Raises
    ------
    InputError
        Not a regular file, or larger than ``limit``.
    OSError
        The file cannot be opened or read (the caller words the message).
    """
    _require_file(os.stat(path), what)
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        _require_file(st, what)
        too_big = f"{what}: larger than the limit of {_mib(limit)} for this kind of file"
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise InputError(too_big)
        buf = bytearray()
        while True:
            chunk = fh.read(min(2 ** 20, limit + 1 - len(buf)))
            if not chunk:
                break
            buf += chunk
            if len(buf) > limit:
                raise InputError(too_big)
    return bytes(buf)


def _read_text(p: str, path: str) -> str:
    data = read_limited(p, limit=MAX_DATA_BYTES, what=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_NAME_CHARS = frozenset(" _.-[]()/")


def _is_name(cell: str) -> bool:
    """A header cell: a letter (any script) or ``_`` first, then letters, digits, spaces and ``_ . - [ ] ( ) /``,
    at most 200 characters, optionally in double quotes, and not ``nan``/``inf``/``infinity``."""
    c = cell
    if len(c) >= 2 and c[0] == c[-1] == '"':
        c = c[1:-1].strip(_WS)
    if not c or len(c) > 200 or not (c[0].isalpha() or c[0] == "_") or c.lower() in _NONFINITE:
        return False
    return all(ch.isalnum() or ch in _NAME_CHARS for ch in c)


def _load_csv(p: str, path: str, outputs: int) -> Dataset:
    text = _read_text(p, path)
    lines = text.count("\n") + 1                   # counted before anything is split (C speed)
    if lines > MAX_CSV_LINES:
        raise InputError(f"{path}: {lines} lines, more than the {MAX_CSV_LINES} a CSV dataset may have")
    rows, cells_seen, ncols = [], 0, None
    for n, ln in enumerate(text.split("\n"), 1):
        ln = ln.strip(_WS)
        if ln and not ln.startswith("#"):
            k = ln.count(",") + 1                       # checked before the line is split
            if ncols is not None and k != ncols:
                raise InputError(f"{path}, row {n}: {k} columns, expected {ncols}")
            _check_count(k, path)
            ncols = k
            cells = [c.strip(_WS) for c in ln.split(",")]
            cells_seen += ncols
            if cells_seen > MAX_VALUES + ncols:        # the first row may be a header
                _check_count(cells_seen - ncols, path)
            rows.append((n, cells))
    del text
    if not rows:
        raise InputError(f"{path}: no data rows")
    n0, first = rows[0]
    names = [_is_name(c) for c in first]
    if all(names):                      # a header: every cell a name (docs/data-format.md)
        rows = rows[1:]
        if not rows:
            raise InputError(f"{path}: no data rows after the header")
    _check_outputs(outputs, ncols, path)
    _check_count(len(rows) * ncols, path)
    X, Y, labels = [], [], []
    for n, cells in rows:
        vals = []
        for j, c in enumerate(cells, 1):
            try:
                vals.append(parse_exact(c, f"{path}, row {n}, column {j}"))
            except InputError as exc:
                if n != n0 or not any(names):
                    raise
                k = names.index(False)
                raise InputError(f"{exc}; nor is row {n} a header: column {k + 1} {_show(first[k])} is not a "
                                 "column name (see docs/data-format.md)") from None
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


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def check_json_text(obj: Any, text: str | None, what: str) -> None:
    """Refuse a JSON document whose strings (keys or values) hold a lone surrogate such as ``"\ud800"``.

    Such a string cannot be encoded as UTF-8, so it would fail later, when a certificate or a report is
    written or printed. Only a ``\\uD800``-``\\uDFFF`` escape in the JSON ``text`` can produce one, so
    the walk runs only when the text has such an escape (always when ``text`` is None).
    """
    if text is not None and not _SURROGATE_ESCAPE.search(text):
        return
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
        elif isinstance(o, str) and not o.isascii():
            try:
                o.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"{what}: the string {ascii(o)[:40]} holds a lone surrogate escape "
                                 "(\\ud800-\\udfff), which is not text") from None


def json_items(text: str) -> int:
    """An upper bound on the number of values a JSON text holds, counted at C speed before it is parsed
    (every value but the first follows a comma or opens a container)."""
    return text.count(",") + text.count("[") + text.count("{") + 1


def _load_json(p: str, path: str) -> Dataset:
    text = _read_text(p, path)
    if not text.strip():
        raise InputError(f"{path}: empty file")
    if json_items(text) > 3 * MAX_VALUES:
        raise InputError(f"{path}: more than {3 * MAX_VALUES} JSON values (commas and brackets), more than a dataset "
                         f"of {MAX_VALUES} numbers needs")
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
    check_json_text(obj, text, path)
    if isinstance(obj, dict) and "format" in obj:
        return Dataset.from_json(obj, source=path)
    if not isinstance(obj, dict) or set(obj) != {"x", "y"}:
        raise InputError(f"{path}: expected a JSON object with exactly the keys 'x' and 'y' "
                         f"(or the {_FORMAT!r} format)")
    return dataset_from_arrays(obj["x"], obj["y"], source=path)


def _npy_header(fh, what: str, max_elements: int, available: int | None):
    """(shape, fortran_order, dtype) from an .npy header, checked before any array is allocated.

    ``available`` is the number of bytes the file (or zip member) holds; the data the header declares
    must fit in it, so a header claiming 10^12 rows in a small file is refused here.
    """
    import numpy as np
    fmt = np.lib.format
    try:
        version = fmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(fh, max_header_size=_MAX_NPY_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(fh, max_header_size=_MAX_NPY_HEADER)
        else:
            raise InputError(f"{what}: unsupported .npy format version {version[0]}.{version[1]}")
    except InputError:
        raise
    except Exception as exc:     # numpy's header parser (a tokenizer and literal_eval) may raise anything
        msg = str(exc).splitlines()[0][:100] if str(exc) else ""
        raise InputError(f"{what}: not a valid .npy array ({type(exc).__name__}: {msg})") from None
    if dtype.hasobject:
        raise InputError(f"{what}: the array holds Python objects, which only a pickle can load, and pickles are "
                         "never loaded (allow_pickle=False)")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise InputError(f"{what}: expected an integer or float array, got dtype {dtype}")
    if not isinstance(shape, tuple) or any(type(s) is not int or s < 0 for s in shape):
        raise InputError(f"{what}: the header's shape {str(shape)[:40]} is not a tuple of sizes")
    count = 1
    for s in shape:
        count *= s
    if count > max_elements:
        raise InputError(f"{what}: the header declares shape {tuple(int(s) for s in shape)}, {count} entries, more "
                         f"than the limit of {max_elements}")
    if available is not None:
        have = available - fh.tell()
        if count * dtype.itemsize > have:
            raise InputError(f"{what}: the header declares {count * dtype.itemsize} bytes of data but the file holds "
                             f"{max(have, 0)}")
    return shape, fortran, dtype


def _read_array(fh, what: str, max_elements: int, available: int | None) -> np.ndarray:
    import zipfile

    import numpy as np
    _npy_header(fh, what, max_elements, available)
    fh.seek(0)
    try:
        return np.lib.format.read_array(fh, allow_pickle=False, max_header_size=_MAX_NPY_HEADER)
    except (ValueError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        msg = str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__
        raise InputError(f"{what}: cannot load .npy array: {msg}") from None


def _open_array_file(path: str, what: str, max_bytes: int):
    st = os.stat(path)
    _require_file(st, what)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{what}: an array file must be a regular file")
    fh = open(path, "rb")
    st = os.fstat(fh.fileno())
    if not stat.S_ISREG(st.st_mode):
        fh.close()
        raise InputError(f"{what}: an array file must be a regular file")
    if st.st_size > max_bytes:
        fh.close()
        raise InputError(f"{what}: larger than the limit of {_mib(max_bytes)} for this kind of file")
    return fh, st.st_size


def read_npy(path: str | os.PathLike, *, what: str = "", max_elements: int = MAX_ARRAY_ELEMENTS,
             max_bytes: int = MAX_ARRAY_BYTES) -> np.ndarray:
    """One array from an ``.npy`` file: the header is read and checked first (shape within ``max_elements``
    entries, an integer or float dtype, data that fits in the file), never a pickle.

    Raises
    ------
    InputError
        Not a regular file, too large, a bad or object header, or a header promising more than the file has.
    OSError
        The file cannot be opened.
    """
    p = os.fspath(path)
    what = what or p
    fh, size = _open_array_file(p, what, max_bytes)
    with fh:
        return _read_array(fh, what, max_elements, size)


def read_npz(path: str | os.PathLike, keys, *, what: str = "", max_elements: int = MAX_ARRAY_ELEMENTS,
             max_bytes: int = MAX_ARRAY_BYTES) -> tuple[dict, list]:
    """The arrays ``keys`` (those present) of an ``.npz`` archive, each member's header checked as in
    :func:`read_npy` against its zip entry before it is read (a member is never decompressed past the
    size its entry declares). Returns ``({key: array}, names)``: the ``keys`` the archive holds (others are
    left out) and the sorted names of all its arrays.

    Raises
    ------
    InputError
        As :func:`read_npy`, or not a zip archive.
    """
    import zipfile      # here: reading exact text never needs it
    p = os.fspath(path)
    what = what or p
    fh, _ = _open_array_file(p, what, max_bytes)
    out: dict = {}
    with fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise InputError(f"{what}: not an .npz archive ({str(exc)[:80] or type(exc).__name__})") from None
        with zf:
            names = {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}
            for key in keys:
                if key not in names:
                    continue
                info = zf.getinfo(names[key])
                member = f"{what}:{key}"
                try:
                    with zf.open(info) as m:
                        _npy_header(m, member, max_elements, info.file_size)
                    with zf.open(info) as m:
                        out[key] = _read_array(m, member, max_elements, info.file_size)
                except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
                    raise InputError(f"{member}: cannot read the archive member "
                                     f"({str(exc)[:80] or type(exc).__name__})") from None
    return out, sorted(names)


def _load_npy(p: str, path: str, outputs: int) -> Dataset:
    arr = read_npy(p, what=path, max_elements=MAX_VALUES, max_bytes=MAX_ARRAY_BYTES)
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
        The file (docs/data-format.md). CSV: comma-separated, an optional header (a first row whose
        every cell is a name), ``#`` comments and blank lines skipped. JSON: the :meth:`Dataset.to_json`
        format or ``{"x": ..., "y": ...}``; JSON floats are read as the decimal written. NPY: 2-D int/float
        array (header checked before it is read; never a pickle). Limits: 64 MiB of CSV or JSON text,
        :data:`MAX_VALUES` numbers (10^6), :data:`MAX_DIGITS` digits in a numerator or denominator.
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
        Unknown suffix, missing/unreadable/empty file, not a regular file (``/dev/zero``), a file or
        dataset above the limits, malformed or non-finite values.
    """
    p = os.fspath(path)
    shown = p if p.isprintable() else repr(p)
    suffix = os.path.splitext(p)[1].lower()
    if suffix not in _SUFFIXES:
        raise InputError(f"{shown}: unsupported file type {suffix or '(none)'!r}; "
                         f"supported: {', '.join(_SUFFIXES)}")
    try:
        st = os.stat(p)
        _require_file(st, shown)
        if stat.S_ISREG(st.st_mode) and st.st_size == 0:
            raise InputError(f"{shown}: empty file")
        if suffix == ".csv":
            return _load_csv(p, shown, outputs)
        if suffix == ".json":
            return _load_json(p, shown)
        return _load_npy(p, shown, outputs)
    except OSError as e:
        raise InputError(f"{shown}: cannot read file: {e.strerror or type(e).__name__}") from None


# The most bytes read_json reads for each kind of file (docs/data-format.md); others: _DEFAULT_JSON_LIMIT.
JSON_LIMITS = {"point": 64 * 2 ** 20, "network": 256 * 2 ** 20, "certificate": 256 * 2 ** 20}
_DEFAULT_JSON_LIMIT = 64 * 2 ** 20
# The most JSON values (verifier.data.json_items: commas and brackets) read_json parses for each kind, so
# that a file of empty lists cannot take a hundred times its size in memory.
JSON_ITEMS = {"point": 8_000_000, "network": 20_000_000, "certificate": 20_000_000}
_DEFAULT_JSON_ITEMS = 8_000_000


def read_json(path, what: str, *, exact_floats: bool = True):
    """Parse a JSON file strictly: no NaN/Infinity, no duplicate keys, no lone surrogate escapes in strings,
    integers of at most 4300 digits; floats kept as their decimal text when ``exact_floats``.

    The file must be a regular file (or a pipe) of at most ``JSON_LIMITS[what]`` bytes: ``/dev/zero`` is
    refused before anything is read, and a larger file as soon as its size is known.
    """
    path = os.fspath(path)
    shown = path if path.isprintable() else repr(path)
    try:
        raw = read_limited(path, limit=JSON_LIMITS.get(what, _DEFAULT_JSON_LIMIT), what=f"{what} file {shown}")
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {what} file {shown}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} file {shown} is not UTF-8 text") from None
    del raw
    items, most = json_items(text), JSON_ITEMS.get(what, _DEFAULT_JSON_ITEMS)
    if items > most:
        raise InputError(f"{what} file {shown}: more than {most} JSON values (commas and brackets)")

    def bad_constant(name):
        raise InputError(f"{what} file {shown}: {name} is not allowed")

    def integer(digits):
        try:
            return int(digits)
        except ValueError:   # beyond Python's limit for int(str) (4300 digits)
            raise InputError(f"{what} file {shown}: an integer of {len(digits.lstrip('-'))} digits is too long "
                             "(write a large exact number as a string, e.g. \"1/3\")") from None

    def unique(pairs):
        out = {}
        for k, v in pairs:
            if k in out:
                raise InputError(f"{what} file {shown}: duplicate key {k[:40]!r} in a JSON object")
            out[k] = v
        return out

    try:
        obj = json.loads(text, parse_constant=bad_constant, parse_float=_float_text if exact_floats else float,
                         parse_int=integer, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} file {shown} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise InputError(f"{what} file {shown} is nested too deeply") from None
    check_json_text(obj, text, f"{what} file {shown}")
    return obj


class _float_text(str):
    """A JSON float kept as the decimal the user wrote (exactness preserved)."""
