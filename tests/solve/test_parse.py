"""The system-file parser: parentheses, powers, exact decimals; budgets; nothing evaluated."""

import flint
import pytest
import sympy
from hypothesis import given, strategies as st

from verifier.errors import InputError
from verifier.solver.parse import ParseError, parse_polynomial
from verifier.theorems.solving import read_system_file

CTX = flint.fmpq_mpoly_ctx.get(("x", "y", "z"), "degrevlex")
X, Y, Z = CTX.gens()


@pytest.mark.parametrize("text, expected", [
    ("(x - 1)^2", (X - 1) ** 2),
    ("(x - 1)**2*y", (X - 1) ** 2 * Y),
    ("-x^2", -(X ** 2)),
    ("-(x + y)^2 - -3", -(X + Y) ** 2 + 3),
    ("0.25*x + 1e-2", X / 4 + flint.fmpq(1, 100)),
    ("x/(1/3) + y/2/2", 3 * X + Y / 4),
    ("2*-x", -2 * X),
    ("((((z))))^3", Z ** 3),
    ("1/3*x*y - 7/5", flint.fmpq(1, 3) * X * Y - flint.fmpq(7, 5)),
])
def test_reads(text, expected):
    assert parse_polynomial(text, CTX) == expected


@pytest.mark.parametrize("text, fragment", [
    ("x y", "operator"), (".5x", "operator"), ("x^-1", "exponent"), ("x/y", "non-constant"),
    ("x/0", "zero"), ("x^1001", "above"), ("w + 1", "unknown variable"), ("__import__('os')", "cannot read"),
    ("(x + 1", "')'"), ("x +", "number"), ("", "empty"), ("(" * 150 + "x" + ")" * 150, "nested"),
    ("(x + y + z + 1)^120", "terms"), ("1e999*x", "range"),
])
def test_rejects(text, fragment):
    with pytest.raises(ParseError, match=fragment if fragment != "')'" else r"'\)'"):
        parse_polynomial(text, CTX)


_leaf = st.one_of(st.sampled_from(["x", "y", "z"]), st.integers(-9, 9).map(str),
                  st.tuples(st.integers(-9, 9), st.integers(1, 9)).map(lambda t: f"{t[0]}/{t[1]}"))


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        st.tuples(children, st.integers(0, 3)).map(lambda t: f"({t[0]})^{t[1]}"),
        children.map(lambda c: f"-({c})"))


@given(st.recursive(_leaf, _combine, max_leaves=8))
def test_agrees_with_sympy_on_generated_text(text):
    # the test's own generated strings only; sympy reads them with '^' as power
    ours = parse_polynomial(text, CTX)
    ref = sympy.Poly(sympy.sympify(text.replace("^", "**")), *sympy.symbols("x y z"))
    back = CTX.from_dict({m: flint.fmpq(int(c.p), int(c.q)) for m, c in ref.terms()}) if not ref.is_zero else CTX.constant(0)
    assert ours == back


def test_system_file_with_parentheses(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("vars: x, y\n(x - 1)^2 - y  # a comment\nx*y - 1/2\n")
    names, polys = read_system_file(str(f))
    assert names == ["x", "y"] and polys[0].total_degree() == 2


def test_system_file_bad_line_is_an_input_error(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("vars: x, y\n(x - 1)^2 - y\nx*y - open('f')\n")
    with pytest.raises(InputError, match="equation 2"):
        read_system_file(str(f))
