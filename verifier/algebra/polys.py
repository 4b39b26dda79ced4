"""The residual map H of a polynomial network as exact polynomials over Q.

For a network whose hidden activations are polynomials with rational
coefficients (``polynomial``, ``power``, ``relu-approx``, ``identity``) every
residual ``H_r(w) = f_k(x_i) - y_ik`` (point-major, ``r = i*l + k``) is a
polynomial in the ``n`` parameters. :func:`compile_polynomials` builds them
with python-flint's ``fmpq_mpoly`` (exact, sparse, fast); variable ``j`` is
named ``w{j}`` and stands for ``network.labels[j]``.

Parameters are grouped by *layer* (the topological generation of the node
whose incoming edge or bias carries the label, first use wins for shared
labels); the groups drive the per-layer degree report and the multihomogeneous
Bezout bound.
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import flint
from flint import fmpq

from ..data import Dataset
from ..errors import BudgetExceeded, InputError
from ..network import Network

DEFAULT_MAX_TERMS = 200_000


@dataclass
class PolySystem:
    """Exact residual polynomials of a network on a dataset.

    Attributes
    ----------
    network, data
        The instance.
    ctx : flint.fmpq_mpoly_ctx
        Variables ``w0 .. w{n-1}`` (``network.labels`` order), degrevlex.
    H : list of flint.fmpq_mpoly
        ``l*d`` residuals, point-major.
    groups : list of list of int
        Parameter indices by layer (generation 1 first).
    """

    network: Network
    data: Dataset
    ctx: object
    H: list
    groups: list

    @property
    def n(self) -> int:
        return self.network.n

    @property
    def m(self) -> int:
        return len(self.H)

    def jacobian(self) -> list:
        """dH_r/dw_j as a list of rows of polynomials."""
        return [[h.derivative(j) for j in range(self.n)] for h in self.H]

    def degrees(self) -> list:
        """Exact total degree of every residual (-1 for the zero polynomial)."""
        return [int(h.total_degree()) if not h.is_zero() else -1 for h in self.H]

    def group_degrees(self) -> list:
        """``deg[r][g]``: degree of residual r in the variables of group g."""
        return [group_degrees(h, self.groups, self.n) for h in self.H]

    def sympy(self):
        """The residuals as sympy expressions in symbols named by the labels (for display)."""
        import sympy
        syms = [sympy.Symbol(lab) for lab in self.network.labels]
        exprs = []
        for h in self.H:
            e = sympy.Integer(0)
            for mon, c in zip(h.monoms(), h.coeffs()):
                term = sympy.Rational(int(c.p), int(c.q))
                for j, k in enumerate(mon):
                    if k:
                        term *= syms[j] ** int(k)
                e += term
            exprs.append(e)
        return exprs


def group_degrees(h, groups, n: int) -> list:
    """The degree of ``h`` in the variables of each group, exactly and in flint's C loops.

    Scaling the exponents of a group's variables by K = deg(h) + 1 (``inflate``, an injective map of exponent
    vectors, so no terms cancel) turns each monomial's degree into K * (its degree in the group) + (the rest,
    < K): the new total degree divided by K is the group degree. About 3x faster than a Python loop over the
    monomials, which costs minutes on residuals with millions of terms."""
    if h.is_zero():
        return [0] * len(groups)
    K = int(h.total_degree()) + 1
    out = []
    for idx in groups:
        inside = set(idx)
        out.append(int(h.inflate([K if j in inside else 1 for j in range(n)]).total_degree()) // K)
    return out


def polynomial_activation_coeffs(net: Network, v) -> tuple:
    act = net.node_activation(v)
    cs = act.coefficients()
    if cs is None:
        raise InputError(f"node {v!r} uses the activation {act.name}, which is not a polynomial; exact polynomial "
                         f"systems need polynomial, power, relu-approx or identity activations")
    return cs


def is_polynomial_network(net: Network) -> bool:
    return all(net.node_activation(v) is None or net.node_activation(v).coefficients() is not None
               for v in net.order)


def layer_groups(net: Network) -> tuple:
    """(groups, layer_of): parameter indices by generation, and label -> generation (1-based)."""
    gen = {v: 0 for v in net.inputs}
    for v in net.order:
        gen[v] = 1 + max(gen[u] for u, _ in net.in_edges(v))
    index = {lab: j for j, lab in enumerate(net.labels)}
    layer_of = {}
    for v in net.order:
        for _, lab in net.in_edges(v):
            layer_of.setdefault(lab, gen[v])
        if net.bias(v) is not None:
            layer_of.setdefault(net.bias(v), gen[v])
    layers = sorted(set(layer_of.values()))
    groups = [[index[lab] for lab in net.labels if layer_of[lab] == g] for g in layers]
    return groups, layer_of


def apply_activation(cs, z, ctx=None):
    """sigma(z) by Horner with exact coefficients."""
    out = z * 0
    for c in reversed(cs):
        out = out * z + c
    return out


def _check_growth(z, k: int, max_terms: int, i: int, v) -> None:
    """Refuse, before expanding, p(z) for an activation of degree k when even an upper bound on its terms shows
    it hopeless (50x the budget): the monomials of degree <= k deg(z) in the variables of z, and the products of
    at most k of z's terms. Expanding first would spend minutes (or all memory) before the term check."""
    if k <= 1 or z.is_zero():
        return
    nvars = sum(1 for e in z.degrees() if e > 0)
    deg = int(z.total_degree())
    terms = min(math.comb(nvars + k * deg, nvars), math.comb(len(z) + k, k))
    if terms > 50 * max_terms:
        raise BudgetExceeded(f"the residual polynomial of point {i + 1} would grow to up to {terms:.2e} terms at node "
                             f"{v!r} (activation degree {k}); raise --max-terms or use a smaller network")


def compile_polynomials(net: Network, data: Dataset, *, max_terms: int = DEFAULT_MAX_TERMS) -> PolySystem:
    """Compile H into exact polynomials.

    Raises
    ------
    InputError
        A hidden activation is not a polynomial.
    BudgetExceeded
        An intermediate polynomial has more than ``max_terms`` terms.
    """
    if len(data.X[0]) != net.p or len(data.Y[0]) != net.l:
        raise InputError(f"the data have {len(data.X[0])} inputs and {len(data.Y[0])} outputs; the network "
                         f"expects {net.p} and {net.l}")
    coeffs = {v: polynomial_activation_coeffs(net, v) for v in net.order if net.kind(v) != "output"}
    if not net.n:
        raise InputError("the network has no parameters")
    ctx = flint.fmpq_mpoly_ctx.get(("w", net.n), "degrevlex")
    w = ctx.gens()
    index = {lab: j for j, lab in enumerate(net.labels)}
    one = w[0] * 0 + 1
    H = []
    for i, (x, y) in enumerate(zip(data.X, data.Y)):
        o = {u: one * x[j] for j, u in enumerate(net.inputs)}
        for v in net.order:
            z = w[index[net.bias(v)]] if net.bias(v) is not None else one * 0
            for u, lab in net.in_edges(v):
                z = z + w[index[lab]] * o[u]
            if net.kind(v) != "output":
                _check_growth(z, len(coeffs[v]) - 1, max_terms, i, v)
                z = apply_activation(coeffs[v], z, ctx)
            if len(z) > max_terms:
                raise BudgetExceeded(f"the residual polynomial of point {i + 1} grew past {max_terms} terms at node "
                                     f"{v!r}; raise --max-terms or use a smaller network")
            o[v] = z
        for k, out in enumerate(net.outputs):
            H.append(o[out] - y[k])
    groups, _ = layer_groups(net)
    return PolySystem(net, data, ctx, H, groups)


def liao_poggio_degree(net: Network) -> dict:
    """Liao-Poggio's degree count next to the exact layered count.

    k is the largest activation degree, L the number of hidden layers. The memo
    counts the degree of f in the input x: k^L. As a polynomial in the weights,
    each layer's linear map adds one: a pre-activation of layer j has degree
    D_j = 1 + k * D_{j-1} (D_0 = 0), so the output has degree
    1 + k + ... + k^L (for a generic network with biases).
    """
    ks = [len(net.node_activation(v).coefficients()) - 1 for v in net.order if net.kind(v) != "output"]
    k = max(ks) if ks else 1
    L = net.depth()
    layered = sum(k ** j for j in range(L + 1))
    return {"k": k, "depth": L, "k_pow_depth": k ** L, "layered": layered}


def degree_report(ps: PolySystem) -> dict:
    """Exact degrees of the residuals, per layer group, with Liao-Poggio's formula beside them."""
    degs = ps.degrees()
    gdeg = ps.group_degrees()
    lp = liao_poggio_degree(ps.network)
    top = max(degs) if degs else 0
    if top == lp["layered"]:
        why = (f"the exact degree {top} equals 1 + k + ... + k^L = {lp['layered']}: each layer's weights enter "
               f"linearly before the activation raises the degree by k; Liao-Poggio's k^L = {lp['k_pow_depth']} "
               f"is the degree in the input x, not in the weights")
    elif top < lp["layered"]:
        why = (f"the exact degree {top} is below the layered count {lp['layered']}: missing biases, vanishing "
               f"top coefficients, zero inputs or cancellation lower it; Liao-Poggio's k^L = {lp['k_pow_depth']} "
               f"counts the degree in x")
    else:  # pragma: no cover - the layered count is an upper bound for MLP-like DAGs; shortcuts can exceed it
        why = (f"the exact degree {top} exceeds the layered count {lp['layered']}: paths of different lengths "
               f"(skip connections or shared weights across layers) add degrees")
    return {"degrees": degs, "max_degree": top, "group_sizes": [len(g) for g in ps.groups],
            "group_degrees": gdeg, "liao_poggio": lp, "explanation": why}


def reduce_mod_p(q: fmpq, p: int) -> int:
    """q mod p (the denominator must be prime to p)."""
    den = int(q.q) % p
    if den == 0:
        raise ValueError(f"{p} divides the denominator of {q}")
    return int(q.p) * pow(den, -1, p) % p
