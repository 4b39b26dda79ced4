"""A safe reader for polynomials written by people: ``(x - 1)^2*y + 3/4*x*(y + 0.5)``.

Engines print flat sums of monomials (``engines.parse_poly`` reads those); system files are written
by hand, with parentheses, powers of sums and decimals. This recursive-descent parser builds the
polynomial directly in ``fmpq_mpoly`` arithmetic: nothing is evaluated, no ``eval`` or ``sympify``.
A small grammar is written here because the libraries that parse such text (sympy's parser) execute
Python on it.

Grammar::

    expr   := [+|-] term (('+'|'-') term)*
    term   := unary (('*' unary) | ('/' unary-constant))*
    unary  := ('+'|'-') unary | power
    power  := atom (('^' | '**') unsigned-integer)?
    atom   := number | variable | '(' expr ')'
    number := digits ['.' digits] [('e'|'E') [+|-] digits]  (read exactly: 0.1 is 1/10)

Budgets: exponents at most ``MAX_EXPONENT``, at most ``MAX_TERMS`` terms in any intermediate
result, nesting at most ``MAX_DEPTH`` parentheses, total degree at most ``MAX_DEGREE``. Division
is only by a nonzero constant.
"""

from __future__ import annotations

import re
from fractions import Fraction

import flint

MAX_EXPONENT = 1000
MAX_TERMS = 100_000
MAX_DEPTH = 100
MAX_DEGREE = 1000

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|[-+*/^()]))", re.ASCII)
MAX_NUMBER_CHARS = 2000     # the longest number written in a polynomial


class ParseError(ValueError):
    """The text is not a polynomial in the given variables (message says where)."""


def _tokenize(text: str) -> list:
    out, pos, end = [], 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ParseError(f"cannot read polynomial near {text[pos:pos + 24].strip()!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _number(text: str) -> flint.fmpq:
    if len(text) > MAX_NUMBER_CHARS:
        raise ParseError(f"a number of {len(text)} characters is too long (at most {MAX_NUMBER_CHARS})")
    exp = 0
    if "e" in text or "E" in text:
        mant, e = re.split("[eE]", text)
        exp = int(e)
        if abs(exp) > 100:
            raise ParseError(f"exponent of {text!r} is out of range")
    else:
        mant = text
    q = Fraction(mant) * (Fraction(10) ** exp)
    return flint.fmpq(q.numerator, q.denominator)


def parse_polynomial(text: str, ctx, names=None) -> flint.fmpq_mpoly:
    """Parse ``text`` into ``ctx`` (an ``fmpq_mpoly_ctx``); variable ``j`` is ``names[j]`` (default the
    context's names).

    >>> import flint
    >>> ctx = flint.fmpq_mpoly_ctx.get(('x', 'y'), 'degrevlex')
    >>> parse_polynomial('(x - 1)^2*y + 0.5*x/2', ctx)
    x^2*y - 2*x*y + 1/4*x + y
    >>> parse_polynomial('-(x + y)**2 - -3', ctx)
    -x^2 - 2*x*y - y^2 + 3
    """
    if not isinstance(text, str):
        raise ParseError("a polynomial must be text")
    index = {nm: i for i, nm in enumerate(names if names is not None else ctx.names())}
    gens = ctx.gens()
    toks = _tokenize(text)
    if not toks:
        raise ParseError("empty polynomial")
    pos = 0

    def peek(value=None):
        if pos >= len(toks):
            return None
        return toks[pos] if value is None or toks[pos][1] == value else None

    def bad(what):
        near = repr(toks[pos][1]) if pos < len(toks) else "the end of the line"
        return ParseError(f"expected {what} at {near}")

    def check(p):
        if len(p) > MAX_TERMS:
            raise ParseError(f"more than {MAX_TERMS} terms when expanded")
        if p.total_degree() > MAX_DEGREE:
            raise ParseError(f"total degree above {MAX_DEGREE}")
        return p

    def expr(depth):
        nonlocal pos
        sign = 1
        if peek("+") or peek("-"):
            sign = -1 if toks[pos][1] == "-" else 1
            pos += 1
        acc = term(depth) * sign
        while peek("+") or peek("-"):
            s = toks[pos][1]
            pos += 1
            t = term(depth)
            acc = check(acc + t if s == "+" else acc - t)
        return acc

    def term(depth):
        nonlocal pos
        acc = unary(depth)
        while peek("*") or peek("/"):
            op = toks[pos][1]
            pos += 1
            f = unary(depth)
            if op == "*":
                acc = check(acc * f)
            else:
                if f.total_degree() > 0:
                    raise ParseError("division by a non-constant")
                if f == 0:
                    raise ParseError("division by zero")
                acc = acc * (1 / f.coeffs()[0])
        return acc

    def unary(depth):
        nonlocal pos
        if peek("-"):
            pos += 1
            return -unary(depth)
        if peek("+"):
            pos += 1
            return unary(depth)
        return power(depth)

    def power(depth):
        nonlocal pos
        base = atom(depth)
        if peek("^") or peek("**"):
            pos += 1
            tok = peek()
            if tok is None or tok[0] != "num" or not tok[1].isdigit():
                raise bad("a non-negative integer exponent")
            if len(tok[1].lstrip("0")) > 6 or int(tok[1]) > MAX_EXPONENT:
                raise ParseError(f"exponent {tok[1][:12]}{'...' if len(tok[1]) > 12 else ''} is above {MAX_EXPONENT}")
            e = int(tok[1])
            pos += 1
            if base.total_degree() * e > MAX_DEGREE:
                raise ParseError(f"total degree above {MAX_DEGREE}")
            out = ctx.constant(1)
            for _ in range(e):          # repeated multiplication keeps the term budget checked
                out = check(out * base)
            return out
        return base

    def atom(depth):
        nonlocal pos
        tok = peek()
        if tok is None:
            raise bad("a number, a variable or '('")
        kind, val, _ = tok
        if kind == "num":
            pos += 1
            return ctx.constant(_number(val))
        if kind == "name":
            if val not in index:
                raise ParseError(f"unknown variable {val!r}")
            pos += 1
            return gens[index[val]]
        if val == "(":
            if depth >= MAX_DEPTH:
                raise ParseError(f"parentheses nested deeper than {MAX_DEPTH}")
            pos += 1
            inner = expr(depth + 1)
            if not peek(")"):
                raise bad("')'")
            pos += 1
            return inner
        raise bad("a number, a variable or '('")

    out = expr(0)
    if pos != len(toks):
        raise bad("an operator")
    return out
