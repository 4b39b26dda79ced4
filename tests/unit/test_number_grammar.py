"""The one number grammar of docs/data-format.md, as a property: every string it generates parses to the exact
rational it denotes (data cells, networks, points and options share the parser), and every other string gives
an InputError, never another exception."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from flint import fmpq, fmpz
from hypothesis import example, given
from hypothesis import strategies as st

from verifier.activations import parse_rational
from verifier.data import MAX_DIGITS, load_dataset, parse_exact
from verifier.checker.format import FormatError
from verifier.checker.format import parse_rational as checker_rational
from verifier.errors import InputError

WS = " \t\r\n\f\v"
DIGITS = st.text("0123456789", min_size=1, max_size=25)
SIGN = st.sampled_from(["", "+", "-"])
SPACE = st.text(WS, max_size=3)

# The grammar, written independently of the parser (docs/data-format.md).
ORACLE = re.compile(r"[ \t\r\n\f\v]*[+-]?(?:[0-9]+/[0-9]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"[ \t\r\n\f\v]*", re.ASCII)


def q(f: Fraction) -> fmpq:
    return fmpq(f.numerator, f.denominator)


@st.composite
def fractions_text(draw):
    sign, p, den = draw(SIGN), draw(DIGITS), draw(DIGITS.filter(lambda d: int(d) != 0))
    value = Fraction(int(p), int(den)) * (-1 if sign == "-" else 1)
    return draw(SPACE) + f"{sign}{p}/{den}" + draw(SPACE), value


@st.composite
def decimals_text(draw):
    sign = draw(SIGN)
    whole = draw(st.one_of(st.just(""), DIGITS))
    point = draw(st.booleans()) or not whole
    frac = draw(DIGITS if not whole else st.one_of(st.just(""), DIGITS)) if point else ""
    text = sign + whole + ("." + frac if point else "")
    e = 0
    if draw(st.booleans()):
        e_sign, e_digits = draw(SIGN), draw(st.text("0123456789", min_size=1, max_size=4).filter(
            lambda d: int(d) <= 400))
        e = int(e_digits) * (-1 if e_sign == "-" else 1)
        text += draw(st.sampled_from("eE")) + e_sign + e_digits
    value = Fraction(int((whole + frac) or "0")) * Fraction(10) ** (e - len(frac)) * (-1 if sign == "-" else 1)
    return draw(SPACE) + text + draw(SPACE), value


@given(st.one_of(fractions_text(), decimals_text()))
@example(("+3/4", Fraction(3, 4)))
@example((" -0.5e+1\t", Fraction(-5)))
@example((".5", Fraction(1, 2)))
@example(("5.", Fraction(5)))
@example(("00012.50", Fraction(25, 2)))
@example(("-0/7", Fraction(0)))
def test_every_string_of_the_grammar_parses_to_its_value(case):
    text, value = case
    assert ORACLE.fullmatch(text)
    assert parse_exact(text) == q(value)
    assert parse_rational(text) == q(value)          # networks, points, options: the same grammar
    assert checker_rational(text) == q(value)        # the checker's own parser of certificates: the same grammar


def _mutate(draw, text: str) -> str:
    i = draw(st.integers(0, len(text)))
    op = draw(st.sampled_from(["insert", "delete", "replace"]))
    ch = draw(st.sampled_from(list("+-./eE _,x0123456789 \u00a0\u0661\ufeff()*^#") + ["nan", "inf", "0x", "1/0"]))
    if op == "insert" or not text:
        return text[:i] + ch + text[i:]
    if op == "delete":
        return text[:i] + text[i + 1:]
    return text[:i] + ch + text[i + 1:]


@st.composite
def near_misses(draw):
    base, _ = draw(st.one_of(fractions_text(), decimals_text()))
    for _ in range(draw(st.integers(1, 3))):
        base = _mutate(draw, base)
    return base


@given(st.one_of(st.text(max_size=30), near_misses()))
@example("1 / 2")
@example("0.5.1")
@example("1_000")
@example("\u0661\u0662")
@example("1/0")
@example("+-3")
@example("1e")
@example("e5")
@example(".")
@example("1e99999999999999999999")
@example("Infinity")
def test_strings_outside_the_grammar_give_input_error(text):
    """Only InputError comes out; a string the parser accepts is one of the grammar, with its value."""
    try:
        got = parse_exact(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        with pytest.raises(FormatError):
            checker_rational(text)
        try:
            parse_rational(text)
        except InputError:
            return
        pytest.fail(f"parse_rational accepts {text!r}, parse_exact does not")
    assert ORACLE.fullmatch(text), text
    assert parse_rational(text) == got
    assert checker_rational(text) == got
    body = text.strip(WS)
    if "/" in body:
        p, _, den = body.partition("/")
        assert got == q(Fraction(int(p), int(den)))
    else:
        assert got == q(Fraction(body.lstrip("+")))


@pytest.mark.parametrize("text, fragment", [
    ("1e10001", "exponent out of range"), ("1e-10001", "exponent out of range"),
    ("1e" + "0" * 3000 + "10001", "exponent out of range"), ("1e" + "9" * 5000, "exponent out of range"),
    ("1e10000", f"more than {MAX_DIGITS} digits"), ("1" * (MAX_DIGITS + 1), f"more than {MAX_DIGITS} digits"),
    ("1/" + "3" * (MAX_DIGITS + 1), f"more than {MAX_DIGITS} digits"), ("1" * 30000, "too long"),
])
def test_limits_of_the_grammar(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_exact(text)


def test_largest_numbers_within_the_limits():
    assert parse_exact("1e9999") == fmpq(10) ** 9999
    assert parse_exact("-1e-9999") == -fmpq(1, 10 ** 9999)
    assert parse_exact("9" * MAX_DIGITS + "/" + "7" * MAX_DIGITS) == fmpq(fmpz("9" * MAX_DIGITS), fmpz("7" * MAX_DIGITS))
    assert parse_exact("1e" + "0" * 3000 + "5") == 10 ** 5      # leading zeros of an exponent are fine


def test_plus_fraction_in_csv_and_json(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n+3/4,1\n-1/2,+2/3\n", encoding="utf-8")
    ds = load_dataset(tmp_path / "a.csv")
    assert ds.X == ((fmpq(3, 4),), (fmpq(-1, 2),)) and ds.Y[1] == (fmpq(2, 3),)
    (tmp_path / "a.json").write_text(json.dumps({"x": [["+3/4"], ["1e400"]], "y": ["+1", 2]}), encoding="utf-8")
    ds = load_dataset(tmp_path / "a.json")
    assert ds.X == ((fmpq(3, 4),), (fmpq(10) ** 400,)) and ds.Y == ((fmpq(1),), (fmpq(2),))
