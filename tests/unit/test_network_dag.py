"""verifier.network's own labelled DAG against networkx: a network built from a networkx.DiGraph and from the
same graph as the private DAG is the same network, in the same orders networkx gives (node order, labels and
generations end up in certificates), and ``Network.graph`` is the frozen networkx.DiGraph it always was."""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.errors import InputError
from verifier.network import _DAG, Network, conv1d, liao_poggio_tree, mlp, network_from_json, network_to_json, validate
from verifier.strategies import networks, shared_weight_networks

REPO = Path(__file__).resolve().parents[2]


def _copy(graph, cls, rng=None):
    """``graph`` as a ``cls`` (nx.DiGraph or _DAG); with ``rng``, nodes and edges added in a shuffled order."""
    nodes, edges = list(graph.nodes(data=True)), list(graph.edges(data=True))
    if rng is not None:
        rng.shuffle(nodes)
        rng.shuffle(edges)
    g = cls()
    for v, attrs in nodes:
        g.add_node(v, **attrs)
    for u, v, attrs in edges:
        g.add_edge(u, v, **attrs)
    return g


def _reference(graph) -> nx.DiGraph:
    """What validate() used to freeze: the user's graph copied node by node, then edge by edge."""
    g = nx.DiGraph()
    for v, attrs in graph.nodes(data=True):
        g.add_node(v, **attrs)
    for u, v, attrs in graph.edges(data=True):
        g.add_edge(u, v, **attrs)
    return g


def _check_same(graph: nx.DiGraph, **kwargs):
    """validate() of ``graph`` and of its _DAG copy agree with each other and with networkx's algorithms."""
    a = validate(graph, **kwargs)
    b = validate(_copy(graph, _DAG), **kwargs)
    for net in (a, b):
        assert isinstance(net.dag, _DAG)
        assert (net.inputs, net.outputs, net.order, net.labels) == (a.inputs, a.outputs, a.order, a.labels)
        assert all(net.in_edges(v) == a.in_edges(v) for v in net.order)
        assert network_to_json(net) == network_to_json(a)
        ref = _reference(graph)
        position = {v: i for i, v in enumerate(ref)}
        assert net.order == tuple(v for v in nx.lexicographical_topological_sort(ref, key=position.__getitem__)
                                  if ref.nodes[v]["kind"] != "input")
        assert net.generations() == [list(gen) for gen in nx.topological_generations(ref)]
        assert net.generations()[0] == list(net.inputs) or kwargs.get("inputs") is not None
        for v in ref:
            assert net.ancestors(v) == nx.ancestors(ref, v)
        g = net.graph
        assert isinstance(g, nx.DiGraph) and not g.is_multigraph() and nx.is_frozen(g)
        assert g is net.graph                                       # built once
        assert list(g.nodes(data=True)) == list(ref.nodes(data=True))
        assert list(g.edges(data=True)) == list(ref.edges(data=True))
        assert all(list(g.predecessors(v)) == list(ref.predecessors(v)) for v in ref)
        assert net.generations() == [list(gen) for gen in nx.topological_generations(g)]
    return a


@given(networks(), st.randoms(use_true_random=False))
def test_mlps_from_networkx_and_from_the_dag_agree(net, rng):
    _check_same(_copy(net.graph, nx.DiGraph))
    _check_same(_copy(net.graph, nx.DiGraph, rng), activation=net.activation)


@given(shared_weight_networks(), st.randoms(use_true_random=False))
def test_shared_weight_networks_from_networkx_and_from_the_dag_agree(net, rng):
    again = _check_same(_copy(net.graph, nx.DiGraph), activation=net.activation)
    assert again.labels == net.labels and again.order == net.order
    _check_same(_copy(net.graph, nx.DiGraph, rng))


def _random_network(rng: random.Random) -> nx.DiGraph:
    """A valid network on shuffled node ids, nodes and edges added in random orders, labels drawn from five."""
    p, h, l = rng.randint(1, 3), rng.randint(0, 8), rng.randint(1, 3)  # noqa: E741
    kinds = {**{f"x{i}": "input" for i in range(p)}, **{f"h{i}": "hidden" for i in range(h)},
             **{f"y{i}": "output" for i in range(l)}}
    topo = sorted(kinds, key=lambda v: (("input", "hidden", "output").index(kinds[v]), rng.random()))
    edges = set()
    for j, v in enumerate(topo):
        if kinds[v] != "input":
            sources = [u for u in topo[:j] if kinds[u] != "output"]
            edges.add((rng.choice(sources), v))
            edges.update((u, v) for u in sources if rng.random() < 0.4)
    for j, u in enumerate(topo):
        if kinds[u] != "output" and not any(e[0] == u for e in edges):
            edges.add((u, rng.choice([v for v in topo[j + 1:] if kinds[v] != "input"])))
    g = nx.DiGraph()
    for v in rng.sample(topo, len(topo)):
        bias = {"bias": rng.choice("abcde")} if kinds[v] != "input" and rng.random() < 0.5 else {}
        g.add_node(v, kind=kinds[v], **bias)
    for u, v in rng.sample(sorted(edges), len(edges)):
        g.add_edge(u, v, weight=rng.choice("abcde"))
    return g


@given(st.randoms(use_true_random=False))
def test_hand_made_networks_in_shuffled_orders_agree(rng):
    g = _random_network(rng)
    _check_same(g)
    ins = [v for v, k in g.nodes(data="kind") if k == "input"]
    outs = [v for v, k in g.nodes(data="kind") if k == "output"]
    _check_same(g, inputs=rng.sample(ins, len(ins)), outputs=rng.sample(outs, len(outs)))


def test_many_seeded_hand_made_networks_agree():
    rng = random.Random(20240611)
    for _ in range(300):
        _check_same(_random_network(rng))


@pytest.mark.parametrize("make", [lambda: mlp(3, [4, 2], l=2), lambda: conv1d(7, 3, channels=2, stride=2, l=2),
                                  lambda: liao_poggio_tree()])
def test_builders_match_their_networkx_graph(make):
    net = make()
    again = _check_same(_copy(net.graph, nx.DiGraph), activation=net.activation)
    assert (again.order, again.labels) == (net.order, net.labels)
    back = network_from_json(network_to_json(net))
    assert (back.order, back.labels, back.generations()) == (net.order, net.labels, net.generations())


def _cycle_message(g: nx.DiGraph) -> str:
    cycle = nx.find_cycle(g)
    return "the network has a cycle: " + " -> ".join(repr(e[0]) for e in cycle) + f" -> {cycle[0][0]!r}"


def test_cycle_message():
    g = nx.DiGraph()
    for v, k in [("x", "input"), ("h", "hidden"), ("y", "output"), ("g", "hidden")]:
        g.add_node(v, kind=k)
    for u, v in [("x", "h"), ("h", "y"), ("h", "g"), ("g", "h")]:
        g.add_edge(u, v, weight="w")
    for graph in (g, _copy(g, _DAG)):
        with pytest.raises(InputError) as ei:
            validate(graph)
        assert str(ei.value) == "the network has a cycle: 'h' -> 'g' -> 'h'" == _cycle_message(g)


@given(st.randoms(use_true_random=False))
def test_cycle_messages_match_networkx(rng):
    g = _random_network(rng)
    hidden = [v for v, k in g.nodes(data="kind") if k == "hidden"] or [next(iter(g))]
    for _ in range(rng.randint(1, 4)):      # back edges among hidden nodes (a self-loop when there is one)
        g.add_edge(rng.choice(hidden), rng.choice(hidden), weight="z")
    if nx.is_directed_acyclic_graph(g):
        return
    for graph in (g, _copy(g, _DAG)):
        with pytest.raises(InputError) as ei:
            validate(graph)
        assert str(ei.value) == _cycle_message(g)


def test_graph_is_frozen_and_cached_and_equality_ignores_it():
    net = mlp(2, [3])
    twin = dataclasses.replace(net)
    assert net == twin and hash(net) == hash(twin)
    g = net.graph                               # built on net only
    assert net == twin and hash(net) == hash(twin)
    assert g is net.graph and twin.graph is not g
    assert list(twin.graph.edges(data=True)) == list(g.edges(data=True))
    with pytest.raises(nx.NetworkXError):
        g.add_edge("x0", "y0")
    g.nodes["h1_0"]["bias"] = "other"           # the attribute dicts are the graph's own copies
    assert net.bias("h1_0") == "b1[0]"
    assert "graph" not in repr(net) and "_graph" not in repr(net)
    assert isinstance(net, Network)


def test_the_dag_interface():
    g = _DAG()
    g.add_node("a", kind="input")
    g.add_edge("a", "c", weight="w")
    g.add_edge("b", "c", weight="v")
    g.add_edge("a", "c", weight="u")            # an existing edge: its attributes are updated, its place kept
    g.nodes["b"]["kind"] = "input"
    assert list(g) == ["a", "c", "b"] and g.number_of_nodes() == len(g) == 3
    assert list(g.nodes(data=True)) == [("a", {"kind": "input"}), ("c", {}), ("b", {"kind": "input"})]
    assert list(g.edges(data=True)) == [("a", "c", {"weight": "u"}), ("b", "c", {"weight": "v"})]
    assert list(g.edges()) == [("a", "c"), ("b", "c")] and g.edges["b", "c"] == {"weight": "v"}
    assert list(g.predecessors("c")) == ["a", "b"] and list(g.successors("a")) == ["c"]
    assert (g.in_degree("c"), g.out_degree("c"), g.in_degree("a"), g.out_degree("a")) == (2, 0, 0, 1)
    assert g.has_edge("a", "c") and not g.has_edge("c", "a") and not g.has_edge("z", "a")
    assert "a" in g and "z" not in g and ["a"] not in g
    assert not g.is_multigraph()


def test_validate_rejects_other_graphs_without_importing_networkx():
    code = ("import sys\nfrom verifier.errors import InputError\nfrom verifier.network import validate, mlp\n"
            "for bad in ({'x': 'h'}, [('x', 'h')], None):\n"
            "    try:\n        validate(bad)\n    except InputError as exc:\n"
            "        assert str(exc) == 'a network must be a networkx.DiGraph'\n"
            "    else:\n        raise AssertionError(bad)\n"
            "net = mlp(2, [3])\nassert 'networkx' not in sys.modules\n"
            "assert net.generations()[0] == ['x0', 'x1'] and net.ancestors('y0') >= {'x0', 'h1_2'}\n"
            "assert 'networkx' not in sys.modules\n"
            "assert type(net.graph).__name__ == 'DiGraph' and 'networkx' in sys.modules\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
