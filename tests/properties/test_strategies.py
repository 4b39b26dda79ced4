"""verifier.strategies: eager argument validation, and the strategies produce what they promise."""

import re

import hypothesis.strategies as st
import pytest
from flint import fmpq
from hypothesis import given
from hypothesis.errors import InvalidArgument

from verifier.activations import get_activation
from verifier.data import Dataset
from verifier.network import Network, conv1d, mlp
from verifier.strategies import (THEOREM_IDS, activations, datasets, instances, networks, rationals,
                                 shared_weight_networks, verify_options)

CONSTRUCTION = ("cooper-3.3", "cooper-3.4", "cooper-4.1", "cooper-4.2")


# ---------------------------------------------------------------------------
# eager validation: a bad value raises when the function is called, before any draw

BAD_ARGUMENTS = [
    (rationals, {"min_value": 2, "max_value": 1}, "min_value=2 must be <= max_value=1"),
    (rationals, {"max_denominator": 0}, "max_denominator=0 must be >= 1"),
    (rationals, {"max_denominator": 2.5}, "max_denominator=2.5 must be an integer or a strategy, not float"),
    (rationals, {"min_value": float("nan")}, "min_value=nan must be finite"),
    (rationals, {"min_value": True}, "min_value=True must be an exact rational, not a bool"),
    (rationals, {"max_value": "ten"}, "max_value='ten' is not an exact rational"),
    (rationals, {"min_value": "1/3", "max_value": "1/3", "max_denominator": 2},
     "max_denominator=2 is too small: no rational in [1/3, 1/3]"),
    (datasets, {"d": 0}, "d=0 must be >= 1"),
    (datasets, {"p": -1}, "p=-1 must be >= 1"),
    (datasets, {"l": 0}, "l=0 must be >= 1"),
    (datasets, {"d": "3"}, "d='3' must be an integer or a strategy, not str"),
    (datasets, {"d": True}, "d=True must be an integer or a strategy, not bool"),
    (datasets, {"distinct": "yes"}, "distinct='yes' must be a bool or a strategy, not str"),
    (datasets, {"duplicates": True}, "duplicates=True contradicts distinct=True"),
    (datasets, {"duplicates": True, "distinct": False, "d": 1}, "d=1 must be >= 2 when duplicates=True"),
    (datasets, {"values": [1, 2]}, "values=[1, 2] must be a strategy or None"),
    (datasets, {"targets": 3}, "targets=3 must be a strategy or None"),
    (activations, {"kinds": ()}, "kinds=() must not be empty"),
    (activations, {"kinds": ("smoolu", "relu")}, "kinds=('smoolu', 'relu') holds 'relu', which is not one of"),
    (activations, {"kinds": 42}, "kinds=42 must be a sequence of activation names"),
    (networks, {"p": 0}, "p=0 must be >= 1"),
    (networks, {"depth": 0}, "depth=0 must be >= 1"),
    (networks, {"widths": 0}, "widths=0 must be >= 1"),
    (networks, {"widths": []}, "widths=[] must hold at least one width"),
    (networks, {"widths": [2, 0]}, "widths[1]=0 must be >= 1"),
    (networks, {"depth": 2, "widths": [3]}, "depth=2 does not match widths=[3] (1 hidden layer)"),
    (networks, {"bias": 1}, "bias=1 must be a bool or a strategy, not int"),
    (networks, {"activation": "nope"}, "activation='nope' is not an activation (unknown activation"),
    (networks, {"activation": "polynomial"}, "activation='polynomial' is not an activation"),
    (networks, {"activation": 3}, "activation=3 must be an Activation, an activation name or a strategy"),
    (shared_weight_networks, {"kinds": ("liao-poggio-tree",), "p": 3}, "leaves nothing to draw"),
    (shared_weight_networks, {"kinds": ("cnn",)}, "kinds=('cnn',) holds 'cnn'"),
    (shared_weight_networks, {"kernel_size": 4, "p": 3}, "kernel_size=4 must be <= p=3"),
    (shared_weight_networks, {"kernel_size": 2, "stride": 3, "p": 4},
     "stride=3 must let kernels of size 2 cover all p=4 inputs"),
    (shared_weight_networks, {"channels": 0}, "channels=0 must be >= 1"),
    (instances, {"theorem": "cooper-9.9"}, "theorem='cooper-9.9' must be one of cooper-3.3"),
    (instances, {"d": 0}, "d=0 must be >= 1"),
    (instances, {"theorem": "cooper-3.3", "depth": 2}, "depth=2 must be 1 for theorem='cooper-3.3'"),
    (instances, {"theorem": "cooper-4.1", "activation": "tanh"}, "cannot be chosen for theorem='cooper-4.1'"),
    (instances, {"extra_width": -1}, "extra_width=-1 must be >= 0"),
    (instances, {"inner_widths": 0}, "inner_widths=0 must be >= 1"),
    (instances, {"values": 5}, "values=5 must be a strategy or None"),
]


@pytest.mark.parametrize("factory, kwargs, message", BAD_ARGUMENTS,
                         ids=[f"{f.__name__}-{'-'.join(k)}-{i}" for i, (f, k, _) in enumerate(BAD_ARGUMENTS)])
def test_bad_values_raise_at_call_time(factory, kwargs, message):
    with pytest.raises(InvalidArgument) as info:
        factory(**kwargs)                      # no draw: the error must come from the call itself
    assert str(info.value).startswith(message) or message in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_options_are_keyword_only():
    for factory in (rationals, datasets, activations, networks, shared_weight_networks, instances):
        with pytest.raises(TypeError):
            factory(3)


def _first_draw_error(strategy):
    @given(strategy)
    def inner(_):
        pass
    with pytest.raises(InvalidArgument) as info:
        inner()
    return str(info.value)


@pytest.mark.parametrize("strategy, message", [
    (lambda: datasets(d=st.just(0)), "d=0 must be >= 1 (drawn from just(0))"),
    (lambda: networks(widths=st.just(0)), "widths=0 must be >= 1 (drawn from just(0))"),
    (lambda: rationals(max_denominator=st.just(-1)), "max_denominator=-1 must be >= 1"),
    (lambda: datasets(values=st.just(float("inf"))), "values=inf must be finite"),
    (lambda: datasets(values=st.just(None)), "values=None must be an exact rational"),
    (lambda: activations(kinds=st.just(("bogus",))), "kinds=('bogus',) holds 'bogus'"),
    (lambda: instances(theorem=st.just("cooper-1.0")), "theorem='cooper-1.0' must be one of"),
])
def test_drawn_values_are_checked_when_drawn(strategy, message):
    s = strategy()                              # a strategy option is not drawn at call time
    assert message in _first_draw_error(s)


def test_repr_shows_the_options_given():
    assert repr(datasets(d=3)) == "datasets(d=3)"
    assert repr(rationals()) == "rationals()"
    assert repr(instances(theorem="cooper-4.2", l=2)) == "instances(l=2, theorem='cooper-4.2')"


# ---------------------------------------------------------------------------
# rationals


@given(rationals())
def test_rationals_default_bounds(q):
    assert isinstance(q, fmpq)
    assert -10 <= q <= 10 and q.q <= 20


@given(st.data(), rationals(min_value=-3, max_value=3, max_denominator=6),
       rationals(min_value=-3, max_value=3, max_denominator=6), st.integers(1, 12))
def test_rationals_respect_any_bounds(data, a, b, den):
    lo, hi = min(a, b), max(a, b)
    if hi - lo < fmpq(1, den) and (lo * den).ceil() > (hi * den).floor():
        # possibly no rational with a small denominator in between: must be reported, eagerly
        try:
            s = rationals(min_value=lo, max_value=hi, max_denominator=den)
        except InvalidArgument:
            return
    else:
        s = rationals(min_value=lo, max_value=hi, max_denominator=den)
    q = data.draw(s)
    assert lo <= q <= hi and q.q <= den


@given(rationals(min_value=st.just("3/10"), max_value=st.just("34/100"), max_denominator=st.just(3)))
def test_rationals_narrow_interval_falls_back_to_its_simplest_rational(q):
    assert q == fmpq(1, 3)


# ---------------------------------------------------------------------------
# datasets


@given(datasets())
def test_datasets_default_shapes_and_distinct_inputs(data):
    assert isinstance(data, Dataset)
    assert 1 <= data.d <= 8 and 1 <= data.p <= 3 and data.l == 1
    assert not data.duplicate_rows()
    assert all(isinstance(v, fmpq) for row in data.X + data.Y for v in row)


@given(datasets(d=st.sampled_from([2, 5]), p=2, l=st.integers(1, 2)))
def test_datasets_draw_option_strategies(data):
    assert data.d in (2, 5) and data.p == 2 and data.l in (1, 2)


@given(datasets(d=4, p=1, values=st.integers(0, 3)))
def test_datasets_distinct_even_with_few_values(data):
    assert sorted(row[0] for row in data.X) == [0, 1, 2, 3]


@given(datasets(d=st.integers(2, 6), distinct=False, duplicates=True))
def test_datasets_duplicates_forces_a_repeat(data):
    assert data.d >= 2
    assert data.duplicate_rows()


@given(datasets(d=3, values=st.just(1), targets=st.sampled_from([fmpq(1, 2), 7]), distinct=False))
def test_datasets_values_and_targets(data):
    assert all(v == 1 for row in data.X for v in row)
    assert all(v in (fmpq(1, 2), 7) for row in data.Y for v in row)


@given(datasets(values=st.floats(-1, 1, allow_nan=False), targets=st.fractions(-1, 1, max_denominator=5)))
def test_datasets_convert_floats_and_fractions_exactly(data):
    assert all(isinstance(v, fmpq) and -1 <= v <= 1 for row in data.X + data.Y for v in row)


# ---------------------------------------------------------------------------
# activations


@given(activations())
def test_activations_default_kinds(act):
    assert act.name in ("smoolu", "softplus", "tanh", "sigmoid", "polynomial", "identity", "relu-approx")
    if act.name == "polynomial":
        assert 1 <= act.degree <= 3
        assert all(abs(c) <= 2 and c.q <= 4 for c in act.coefficients())
    if act.name == "relu-approx":
        assert act.degree <= 8


@given(activations(kinds=("tanh", "power")))
def test_activations_restricted_kinds(act):
    assert act.name in ("tanh", "power")


# ---------------------------------------------------------------------------
# networks


@given(networks())
def test_networks_default(net):
    assert isinstance(net, Network)
    assert 1 <= net.p <= 3 and net.l == 1 and 1 <= net.depth() <= 2
    assert net.name.startswith("mlp ")


@given(networks(p=2, l=3, widths=[4, 1, 2], bias=False, activation="tanh"))
def test_networks_fixed_options(net):
    assert net.name == "mlp 2-4-1-2-3"
    assert net.activation == get_activation("tanh")
    assert all(net.bias(v) is None for v in net.order)


@given(networks(depth=3, widths=st.integers(2, 3)))
def test_networks_width_strategy_drawn_per_layer(net):
    widths = [int(w) for w in net.name.split()[1].split("-")[1:-1]]
    assert len(widths) == 3 and all(w in (2, 3) for w in widths)


@given(shared_weight_networks())
def test_shared_weight_networks_share_labels(net):
    occurrences = sum(len(net.in_edges(v)) + (net.bias(v) is not None) for v in net.order)
    per_channel = {}
    for v in net.order:
        if net.kind(v) == "hidden":
            per_channel[v.split("_")[0]] = per_channel.get(v.split("_")[0], 0) + 1
    assert net.name.startswith(("conv1d", "liao-poggio"))
    if net.name.startswith("liao-poggio") or max(per_channel.values()) > 1:
        assert occurrences > net.n           # a kernel (or h) is applied at several places: labels repeat
    else:
        assert occurrences == net.n


@given(shared_weight_networks(kinds=("conv1d",), p=st.integers(2, 5), l=2))
def test_shared_weight_networks_conv1d_options(net):
    assert net.name.startswith("conv1d") and net.l == 2 and 2 <= net.p <= 5


# ---------------------------------------------------------------------------
# instances


@given(instances())
def test_instances_default_is_theorem_4_1(instance):
    net, data = instance
    assert net.n > net.l * data.d and data.l == 1 and data.d <= 6
    assert net.activation == get_activation("smoolu")


@pytest.mark.parametrize("theorem", THEOREM_IDS)
def test_instances_satisfy_the_hypotheses(theorem):
    @given(instances(theorem=theorem, d=st.integers(1, 6), p=st.integers(1, 3)))
    def check(instance):
        net, data = instance
        assert (net.p, net.l) == (data.p, data.l)
        assert net.n > data.l * data.d                       # overparameterized
        assert not data.duplicate_rows()                     # distinct inputs
        widths = verify_options(net)["widths"]
        if theorem in CONSTRUCTION:
            assert net.activation == get_activation("smoolu")
            assert widths[-1] >= data.d
            assert len(widths) == {"cooper-3.3": 1, "cooper-3.4": 2}.get(theorem, len(widths))
            assert mlp(data.p, widths, l=data.l, activation="smoolu").labels == net.labels
            assert data.l == 1 or theorem == "cooper-4.2"
        else:
            assert net.activation.is_smooth
    check()


@given(instances(theorem="cooper-2.1", extra_width=0, d=st.integers(1, 6), l=st.integers(1, 2)))
def test_local_instances_use_the_smallest_overparameterized_width(instance):
    net, data = instance
    widths = verify_options(net)["widths"]
    if widths[-1] > 1:
        smaller = mlp(net.p, widths[:-1] + [widths[-1] - 1], l=net.l, activation=net.activation)
        assert smaller.n <= net.l * data.d


@given(instances(theorem="cooper-4.2", l=2, depth=2, inner_widths=3, extra_width=1, d=3, p=2))
def test_instances_fixed_shape(instance):
    net, data = instance
    assert verify_options(net)["widths"] == [3, 4]
    assert (data.d, data.p, data.l) == (3, 2, 2)


def test_verify_options_rejects_other_networks():
    with pytest.raises(InvalidArgument, match="not an MLP"):
        verify_options(conv1d(3, 2))
    with pytest.raises(InvalidArgument, match=re.escape("not an MLP with biases")):
        verify_options(mlp(2, [3], bias=False))
    with pytest.raises(InvalidArgument, match="must be a verifier.network.Network"):
        verify_options("mlp 2-3-1")
    assert verify_options(mlp(2, [3, 4], activation="tanh")) == {"widths": [3, 4],
                                                                 "activation": get_activation("tanh")}


# ---------------------------------------------------------------------------
# was a bug (conv1d checked only (p - kernel_size) % stride; a stride larger than the kernel left
# inputs unread and validate() failed with a generic message); shared_weight_networks avoids these arguments


def test_conv1d_rejects_a_stride_that_skips_inputs_with_its_own_message():
    from verifier.errors import InputError
    with pytest.raises(InputError, match=r"^conv1d: "):
        conv1d(5, 1, stride=2)          # windows at 0, 2, 4: x1 and x3 are never read
