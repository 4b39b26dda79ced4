"""Feedforward networks as labelled DAGs (Cooper, section 3).

A network is a directed acyclic graph (a :class:`networkx.DiGraph` when a
user builds one) whose nodes have a ``kind`` (``"input"``, ``"hidden"`` or
``"output"``), whose edges carry a parameter label ``weight`` and whose
non-input nodes may carry a parameter label ``bias``. Labels may repeat: every occurrence of a label is the same
parameter (weight sharing). Hidden nodes apply an activation, output nodes are
linear::

    o_v = sigma_v( sum_{u -> v} w[label(u, v)] * o_u + b[bias(v)] )    (hidden)
    o_v =          sum_{u -> v} w[label(u, v)] * o_u + b[bias(v)]      (output)

(Cooper's text writes the activation inside the sum over edges; his Lemma 3.3
and every builder here use the usual form above, with the activation applied
to the node's summed input.)

:func:`validate` turns a graph into a frozen :class:`Network`; everything
downstream works on that object and never re-checks the graph. The JSON
interchange format is documented in ``docs/network-format.md``; loading it
never evaluates code.
"""

from __future__ import annotations

import heapq
import itertools
import json
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from .activations import Activation, activation_from_json, get_activation
from .data import JSON_ITEMS, JSON_LIMITS, check_json_text, read_json  # noqa: F401  (read_json lives in data.py)
from .errors import InputError

if TYPE_CHECKING:   # annotations only: numpy is imported where arrays are made, networkx in Network.graph
    import networkx as nx
    import numpy as np

FORMAT_TAG = "verifier-network"
FORMAT_VERSION = 1
KINDS = ("input", "hidden", "output")


# ---------------------------------------------------------------------------
# The labelled DAG a Network stores


# Hand-written rather than networkx: importing networkx costs more than half of a small command's start-up
# (verify cooper-3.3 on four points), and validate() and the builders need only this much of a graph.
# Everything here keeps networkx's orders (nodes in insertion order, successors and predecessors in
# edge-insertion order, the same traversals), since node order and labels end up in certificates.

class _Nodes:
    """``g.nodes``: ``g.nodes[v]`` is v's attribute dict, ``g.nodes(data=True)`` yields ``(v, attrs)``."""

    def __init__(self, node: dict):
        self._node = node

    def __call__(self, data: bool = False):
        return iter(self._node.items()) if data else iter(self._node)

    def __getitem__(self, v) -> dict:
        return self._node[v]

    def __iter__(self):
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)


class _Edges:
    """``g.edges``: ``g.edges[u, v]`` is the edge's attribute dict, ``g.edges(data=True)`` yields ``(u, v, attrs)``."""

    def __init__(self, succ: dict):
        self._succ = succ

    def __call__(self, data: bool = False):
        return ((u, v, d) if data else (u, v) for u, nbrs in self._succ.items() for v, d in nbrs.items())

    def __getitem__(self, e) -> dict:
        u, v = e
        return self._succ[u][v]


class _DAG:
    """A directed graph with node and edge attribute dicts, networkx's DiGraph interface where validate() uses it."""

    def __init__(self):
        self._node, self._succ, self._pred = {}, {}, {}
        self.nodes, self.edges = _Nodes(self._node), _Edges(self._succ)

    def __repr__(self) -> str:
        return f"DAG with {len(self._node)} nodes and {sum(map(len, self._succ.values()))} edges"

    def __iter__(self):
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __contains__(self, v) -> bool:
        try:
            return v in self._node
        except TypeError:       # an unhashable id is no node (as in networkx)
            return False

    def add_node(self, v, **attrs) -> None:
        if v not in self._node:
            self._node[v], self._succ[v], self._pred[v] = {}, {}, {}
        self._node[v].update(attrs)

    def add_edge(self, u, v, **attrs) -> None:
        self.add_node(u)
        self.add_node(v)
        d = self._succ[u].get(v)
        if d is None:
            d = self._succ[u][v] = self._pred[v][u] = {}
        d.update(attrs)

    def has_edge(self, u, v) -> bool:
        return u in self and v in self._succ[u]

    def number_of_nodes(self) -> int:
        return len(self._node)

    def in_degree(self, v) -> int:
        return len(self._pred[v])

    def out_degree(self, v) -> int:
        return len(self._succ[v])

    def predecessors(self, v):
        return iter(self._pred[v])

    def successors(self, v):
        return iter(self._succ[v])

    def is_multigraph(self) -> bool:
        return False

    def to_networkx(self) -> nx.DiGraph:
        """A frozen networkx.DiGraph with the same nodes, edges and attributes, added in the same order."""
        import networkx as nx
        g = nx.DiGraph()
        for v, attrs in self._node.items():
            g.add_node(v, **attrs)
        for u, v, attrs in self.edges(data=True):
            g.add_edge(u, v, **attrs)
        return nx.freeze(g)


def _reach(adj: dict, v) -> set:
    """The nodes reachable from ``v`` along ``adj`` (successors or predecessors), ``v`` excluded."""
    seen, stack = set(), [v]
    while stack:
        for w in adj[stack.pop()]:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    seen.discard(v)
    return seen


def _generations(g: _DAG) -> list:
    """networkx.topological_generations: in-degree-0 nodes in node order, then the children whose in-degree
    drops to 0, met walking the generation's nodes and their successors in order. Stops short on a cycle."""
    indegree = {v: len(p) for v, p in g._pred.items() if p}
    current = [v for v, p in g._pred.items() if not p]
    gens = []
    while current:
        nxt = []
        for u in current:
            for child in g._succ[u]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    nxt.append(child)
                    del indegree[child]
        gens.append(current)
        current = nxt
    return gens


def _lexicographical_topological_sort(g: _DAG, key) -> list:
    """networkx.lexicographical_topological_sort: Kahn's algorithm taking the smallest ``key`` first."""
    nodeid = {v: i for i, v in enumerate(g)}
    indegree = {v: len(p) for v, p in g._pred.items() if p}
    heap = [(key(v), nodeid[v], v) for v, p in g._pred.items() if not p]
    heapq.heapify(heap)
    out = []
    while heap:
        _, _, u = heapq.heappop(heap)
        for child in g._succ[u]:
            indegree[child] -= 1
            if indegree[child] == 0:
                heapq.heappush(heap, (key(child), nodeid[child], child))
                del indegree[child]
        out.append(u)
    return out


def _edge_dfs(g: _DAG, start):
    """networkx.edge_dfs(g, start): each edge once, in depth-first order (a node's edges resume where they were)."""
    iters, stack = {}, [start]
    while stack:
        u = stack[-1]
        if u not in iters:
            iters[u] = iter(g._succ[u])
        for v in iters[u]:
            stack.append(v)
            yield u, v
            break
        else:
            stack.pop()


def _find_cycle(g: _DAG) -> list:
    """networkx.find_cycle(g): the edges of the first cycle its edge DFS from each node in turn closes."""
    explored = set()
    for start in g:
        if start in explored:
            continue
        edges, seen, active, previous_head = [], {start}, {start}, None
        for tail, head in _edge_dfs(g, start):
            if head in explored:
                continue
            if previous_head is not None and tail != previous_head:
                while True:         # backtracked: pop until the path ends at this edge's tail
                    try:
                        popped = edges.pop()
                    except IndexError:
                        edges, active = [], {tail}
                        break
                    active.remove(popped[1])
                    if edges and edges[-1][1] == tail:
                        break
            edges.append((tail, head))
            if head in active:      # a cycle: drop the path that leads to it
                for i, (t, _) in enumerate(edges):
                    if t == head:
                        break
                return edges[i:]
            seen.add(head)
            active.add(head)
            previous_head = head
        explored.update(seen)
    return []


@dataclass(frozen=True)
class DenseLayer:
    """One topological generation of a network as a dense layer (see :meth:`Network.dense_layers`).

    ``widx[r, c]`` is the parameter index (in ``labels`` order) of the edge from ``srcs[c]`` into
    ``nodes[r]``, -1 where there is no edge; ``bidx[r]`` the bias parameter index or -1;
    ``act_rows`` pairs each activation (None for output nodes) with the rows that use it.
    """

    nodes: tuple
    srcs: tuple
    widx: np.ndarray
    bidx: np.ndarray
    act_rows: tuple


@dataclass(frozen=True)
class Network:
    """A validated feedforward network; build it with :func:`validate` or a builder.

    Attributes
    ----------
    dag : _DAG
        A copy of the user's graph (nodes, edges and attributes in the user's order).
    graph : networkx.DiGraph
        The same graph as a frozen networkx.DiGraph, built on first access (networkx is imported then).
    inputs, outputs : tuple of str
        Input and output node ids, in order: input j reads coordinate j of x,
        output k produces coordinate k of f(x).
    order : tuple of str
        Hidden and output nodes in a topological order.
    labels : tuple of str
        Parameter labels in canonical order (first appearance while walking
        ``order``, incoming edges in the order of their sources, then the bias).
        Parameter vectors ``w`` are indexed by this order; ``n = len(labels)``.
    activation : Activation
        The default activation of hidden nodes.
    name : str
        A short description for reports, e.g. ``"mlp 3-5-1"``.
    """

    dag: _DAG
    inputs: tuple
    outputs: tuple
    order: tuple
    labels: tuple
    activation: Activation
    name: str = "network"
    _in_edges: dict = field(default=None, repr=False, compare=False)
    _graph: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def graph(self) -> nx.DiGraph:
        """The network as a frozen networkx.DiGraph (built once, on first access)."""
        if self._graph is None:
            object.__setattr__(self, "_graph", self.dag.to_networkx())
        return self._graph

    def generations(self) -> list:
        """The topological generations as lists of nodes, in networkx.topological_generations' order
        (generation 0: the inputs, in insertion order)."""
        return _generations(self.dag)

    def ancestors(self, v) -> set:
        """The nodes with a path to ``v`` (``v`` excluded), as networkx.ancestors."""
        return _reach(self.dag._pred, v)

    @property
    def n(self) -> int:
        """Number of parameters (distinct labels)."""
        return len(self.labels)

    @property
    def p(self) -> int:
        """Input dimension."""
        return len(self.inputs)

    @property
    def l(self) -> int:  # noqa: E743 - the papers' symbol for the output dimension
        """Output dimension."""
        return len(self.outputs)

    def kind(self, v) -> str:
        return self.dag.nodes[v]["kind"]

    def in_edges(self, v) -> list:
        """Incoming edges of ``v`` as ``(source, weight_label)`` in canonical order."""
        return self._in_edges[v]

    def bias(self, v):
        """The bias label of ``v``, or None."""
        return self.dag.nodes[v].get("bias")

    def node_activation(self, v):
        """The activation of hidden node ``v``; None for output nodes (linear)."""
        if self.kind(v) == "output":
            return None
        return self.dag.nodes[v].get("activation") or self.activation

    def activations(self) -> list:
        """The distinct activations used by hidden nodes."""
        seen = []
        for v in self.order:
            a = self.node_activation(v)
            if a is not None and a not in seen:
                seen.append(a)
        return seen

    def node_index(self) -> dict:
        """Node id -> position: inputs first, then ``order``."""
        return {v: i for i, v in enumerate(list(self.inputs) + list(self.order))}

    def dense_layers(self) -> list:
        """The generations after the inputs as :class:`DenseLayer` plans, nodes in ``node_index`` order.

        The float64, modular and torch evaluators all run on this one plan.
        """
        import numpy as np
        index = self.node_index()
        pidx = {lab: j for j, lab in enumerate(self.labels)}
        layers = []
        for gen in self.generations()[1:]:
            nodes = sorted(gen, key=index.__getitem__)
            srcs = sorted({u for v in nodes for u, _ in self.in_edges(v)}, key=index.__getitem__)
            scol = {u: c for c, u in enumerate(srcs)}
            widx = -np.ones((len(nodes), len(srcs)), dtype=np.int64)
            bidx = -np.ones(len(nodes), dtype=np.int64)
            groups = {}
            for r, v in enumerate(nodes):
                for u, lab in self.in_edges(v):
                    widx[r, scol[u]] = pidx[lab]
                if self.bias(v) is not None:
                    bidx[r] = pidx[self.bias(v)]
                groups.setdefault(self.node_activation(v), []).append(r)
            layers.append(DenseLayer(tuple(nodes), tuple(srcs), widx, bidx,
                                     tuple((a, np.array(rs)) for a, rs in groups.items())))
        return layers

    def depth(self) -> int:
        """Number of hidden nodes on the longest input-output path."""
        hid = {}
        for v in self.order:
            best = max((hid.get(u, 0) for u, _ in self.in_edges(v)), default=0)
            hid[v] = best + (1 if self.kind(v) == "hidden" else 0)
        return max(hid[o] for o in self.outputs)

    def summary(self) -> str:
        acts = ", ".join(a.name for a in self.activations()) or "none"
        return f"{self.name}, {acts}, n = {self.n}, p = {self.p}, l = {self.l}"


def _activation(spec) -> Activation:
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        return get_activation(spec)
    return activation_from_json(spec)


def validate(graph, *, activation="smoolu", inputs=None, outputs=None,
             name: str = "network") -> Network:
    """Check a labelled DAG and freeze it into a :class:`Network`.

    Parameters
    ----------
    graph : networkx.DiGraph (or the builders' own DAG)
        Nodes need ``kind``; edges need ``weight`` (a label); non-input nodes may
        have ``bias`` (a label) and hidden nodes ``activation``.
    activation : str, dict or Activation
        Default activation of hidden nodes.
    inputs, outputs : sequence, optional
        Order of input and output nodes; default: graph insertion order.

    Raises
    ------
    InputError
        On a cycle, an input node with incoming edges, an output node with
        outgoing edges, a node not on any input-output path, a missing or
        non-string label, an unknown kind or activation.
    """
    nx = sys.modules.get("networkx")   # a networkx graph means networkx is loaded: no import just to check
    if not (isinstance(graph, _DAG) or (nx is not None and isinstance(graph, nx.DiGraph)
                                        and not graph.is_multigraph())):
        raise InputError("a network must be a networkx.DiGraph")
    if not isinstance(name, str) or not _is_text(name):
        raise InputError("a network's name must be text (a str without lone surrogates)")
    if graph.number_of_nodes() == 0:
        raise InputError("the network has no nodes")
    default = _activation(activation)
    g = _DAG()
    for v, attrs in graph.nodes(data=True):
        kind = attrs.get("kind")
        if kind not in KINDS:
            raise InputError(f"node {v!r}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        extra = set(attrs) - {"kind", "bias", "activation"}
        if extra:
            raise InputError(f"node {v!r}: unknown attribute(s) {', '.join(sorted(map(_key, extra)))}")
        new = {"kind": kind}
        if attrs.get("bias") is not None:
            if kind == "input":
                raise InputError(f"input node {v!r} cannot have a bias")
            new["bias"] = _label(attrs["bias"], f"bias of node {v!r}")
        if attrs.get("activation") is not None:
            if kind != "hidden":
                raise InputError(f"{kind} node {v!r} cannot have an activation (only hidden nodes have one)")
            new["activation"] = _activation(attrs["activation"])
        if isinstance(v, str) and not _is_text(v):
            raise InputError(f"node {v.encode('utf-8', 'backslashreplace').decode()[:40]!r}: a node id must be text "
                             "(no lone surrogates)")
        g.add_node(v, **new)
    for u, v, attrs in graph.edges(data=True):
        if set(attrs) - {"weight"}:
            raise InputError(f"edge {u!r} -> {v!r}: unknown attribute(s) {', '.join(sorted(map(_key, set(attrs) - {'weight'})))}")
        if attrs.get("weight") is None:
            raise InputError(f"edge {u!r} -> {v!r} has no weight label")
        g.add_edge(u, v, weight=_label(attrs["weight"], f"weight of edge {u!r} -> {v!r}"))

    if sum(map(len, _generations(g))) < g.number_of_nodes():
        cycle = _find_cycle(g)
        raise InputError("the network has a cycle: " + " -> ".join(repr(e[0]) for e in cycle) + f" -> {cycle[0][0]!r}")
    kind = {v: attrs["kind"] for v, attrs in g.nodes(data=True)}
    ins = [v for v in g if kind[v] == "input"] if inputs is None else list(inputs)
    outs = [v for v in g if kind[v] == "output"] if outputs is None else list(outputs)
    if sorted(map(repr, ins)) != sorted(repr(v) for v in g if kind[v] == "input"):
        raise InputError("the given input order does not list exactly the input nodes")
    if sorted(map(repr, outs)) != sorted(repr(v) for v in g if kind[v] == "output"):
        raise InputError("the given output order does not list exactly the output nodes")
    if not ins:
        raise InputError("the network has no input node")
    if not outs:
        raise InputError("the network has no output node")
    for v in ins:
        if g.in_degree(v):
            raise InputError(f"input node {v!r} has incoming edges")
    for v in outs:
        if g.out_degree(v):
            raise InputError(f"output node {v!r} has outgoing edges")
    for v in g:
        if kind[v] != "input" and g.in_degree(v) == 0:
            raise InputError(f"node {v!r} is not reachable from any input")
    reach = set()
    for v in ins:
        reach |= _reach(g._succ, v) | {v}
    coreach = set()
    for v in outs:
        coreach |= _reach(g._pred, v) | {v}
    for v in g:
        if v not in reach:
            raise InputError(f"node {v!r} is not reachable from any input")
        if v not in coreach:
            raise InputError(f"node {v!r} does not lead to any output")

    position = {v: i for i, v in enumerate(g)}
    order = [v for v in _lexicographical_topological_sort(g, key=position.__getitem__) if kind[v] != "input"]
    in_edges, labels, seen = {}, [], set()
    for v in order:
        edges = sorted(((u, g.edges[u, v]["weight"]) for u in g.predecessors(v)), key=lambda e: position[e[0]])
        in_edges[v] = edges
        for lab in [e[1] for e in edges] + ([g.nodes[v]["bias"]] if "bias" in g.nodes[v] else []):
            if lab not in seen:
                seen.add(lab)
                labels.append(lab)
    return Network(dag=g, inputs=tuple(ins), outputs=tuple(outs), order=tuple(order),
                   labels=tuple(labels), activation=default, name=name, _in_edges=in_edges)


def _key(k) -> str:
    """A key for a one-line message: as written when it is short printable text, else its repr, cut."""
    return k if isinstance(k, str) and k.isprintable() and len(k) <= 40 else repr(k)[:40]


def _is_text(s: str) -> bool:
    """False for a string with a lone surrogate (it cannot be written as UTF-8, nor printed)."""
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _label(x, what: str) -> str:
    if not isinstance(x, str) or not x or len(x) > 200 or not _is_text(x):
        raise InputError(f"{what} must be a non-empty string label of at most 200 characters")
    return x


# ---------------------------------------------------------------------------
# Builders


# The largest network the builders make as a graph: parameters of an mlp, edges of a conv1d
# (a graph of 5 * 10^6 edges already takes several GB).
MAX_BUILDER_SIZE = 5_000_000


def mlp_size(p: int, widths, l: int = 1, *, bias: bool = True, output_bias: bool | None = None) -> int:  # noqa: E741
    """The number of parameters of ``mlp(p, widths, l=l, ...)``, computed without building it."""
    output_bias = bias if output_bias is None else output_bias
    n, fan_in = 0, int(p)
    for w in widths:
        n += (fan_in + (1 if bias else 0)) * int(w)
        fan_in = int(w)
    return n + (fan_in + (1 if output_bias else 0)) * int(l)


def mlp(p: int, widths, *, l: int = 1, activation="smoolu", bias: bool = True,  # noqa: E741
        output_bias: bool | None = None) -> Network:
    """A fully connected network ``p -> widths[0] -> ... -> widths[-1] -> l``.

    Labels: ``W{k}[j,i]`` for the weight from unit i of layer k-1 to unit j of
    layer k (layer 0 is the input), ``b{k}[j]`` for biases; the output layer is
    layer ``len(widths) + 1``. Node ids: ``x{i}``, ``h{k}_{j}``, ``y{k}``.

    Examples
    --------
    >>> net = mlp(2, [3])
    >>> net.n, net.p, net.l
    (13, 2, 1)
    """
    if not isinstance(widths, (list, tuple)):
        widths = list(itertools.islice(widths, MAX_BUILDER_SIZE + 1))
    if len(widths) > MAX_BUILDER_SIZE:
        raise InputError(f"mlp: {len(widths)} hidden layers, more than the builder's limit of {MAX_BUILDER_SIZE} "
                         "parameters allows")
    widths = [int(w) for w in widths]
    if p < 1 or l < 1 or any(w < 1 for w in widths):
        raise InputError("mlp: p, l and every width must be >= 1")
    output_bias = bias if output_bias is None else output_bias
    n = mlp_size(p, widths, l, bias=bias, output_bias=output_bias)
    if n > MAX_BUILDER_SIZE:
        raise InputError(f"mlp: the network {p}-{'-'.join(map(str, widths[:4]))}{'-...' if len(widths) > 4 else ''}"
                         f"-{l} would have {n} parameters, more than the builder's limit of {MAX_BUILDER_SIZE} "
                         "(a graph that large needs many GB)")
    g = _DAG()
    prev = [f"x{i}" for i in range(p)]
    for v in prev:
        g.add_node(v, kind="input")
    for k, w in enumerate(widths + [l], start=1):
        last = k == len(widths) + 1
        layer = [f"y{j}" if last else f"h{k}_{j}" for j in range(w)]
        for j, v in enumerate(layer):
            attrs = {"kind": "output" if last else "hidden"}
            if (output_bias if last else bias):
                attrs["bias"] = f"b{k}[{j}]"
            g.add_node(v, **attrs)
            for i, u in enumerate(prev):
                g.add_edge(u, v, weight=f"W{k}[{j},{i}]")
        prev = layer
    name = "mlp " + "-".join(str(x) for x in [p, *widths, l])
    return validate(g, activation=activation, name=name)


def conv1d(p: int, kernel_size: int, *, channels: int = 1, stride: int = 1, l: int = 1,
           activation="smoolu", bias: bool = True) -> Network:
    """A 1-D convolution with shared kernels, followed by a dense linear output.

    Each channel c slides one kernel ``K{c}[0..kernel_size-1]`` (and one bias
    ``c{c}``) over the input; every position uses the same labels (weight
    sharing). Output k reads every hidden unit with its own weight ``V[k,c,t]``.
    """
    if kernel_size < 1 or kernel_size > p or stride < 1 or channels < 1 or l < 1:
        raise InputError("conv1d: need 1 <= kernel_size <= p, stride >= 1, channels >= 1, l >= 1")
    edges = channels * ((p - kernel_size) // stride + 1) * (kernel_size + l)
    if edges > MAX_BUILDER_SIZE:
        raise InputError(f"conv1d: the network would have {edges} edges, more than the builder's limit of "
                         f"{MAX_BUILDER_SIZE} (a graph that large needs many GB)")
    g = _DAG()
    for i in range(p):
        g.add_node(f"x{i}", kind="input")
    positions = range(0, p - kernel_size + 1, stride)
    if (p - kernel_size) % stride or stride > kernel_size:
        raise InputError(f"conv1d: stride {stride} with kernel size {kernel_size} leaves inputs unread; need "
                         "stride <= kernel_size and p - kernel_size divisible by the stride")
    hidden = []
    for c in range(channels):
        for t in positions:
            v = f"h{c}_{t}"
            g.add_node(v, kind="hidden", **({"bias": f"c{c}"} if bias else {}))
            for s in range(kernel_size):
                g.add_edge(f"x{t + s}", v, weight=f"K{c}[{s}]")
            hidden.append((c, t, v))
    for k in range(l):
        g.add_node(f"y{k}", kind="output", **({"bias": f"d[{k}]"} if bias else {}))
        for c, t, v in hidden:
            g.add_edge(v, f"y{k}", weight=f"V[{k},{c},{t}]")
    return validate(g, activation=activation, name=f"conv1d p={p} k={kernel_size} c={channels} s={stride}")


def liao_poggio_tree(*, activation="smoolu", bias: bool = True) -> Network:
    """The binary tree ``f(x1..x4) = g(h(x1, x2), h(x3, x4))`` with one shared ``h``.

    ``h(u, v) = sigma(h1*u + h2*v + hb)`` appears twice with the same labels;
    ``g(s, t) = a * sigma(g1*s + g2*t + gb) + c`` is the root.
    """
    g = _DAG()
    for i in range(1, 5):
        g.add_node(f"x{i}", kind="input")
    hb = {"bias": "hb"} if bias else {}
    g.add_node("hL", kind="hidden", **hb)
    g.add_node("hR", kind="hidden", **hb)
    g.add_edge("x1", "hL", weight="h1")
    g.add_edge("x2", "hL", weight="h2")
    g.add_edge("x3", "hR", weight="h1")
    g.add_edge("x4", "hR", weight="h2")
    g.add_node("g", kind="hidden", **({"bias": "gb"} if bias else {}))
    g.add_edge("hL", "g", weight="g1")
    g.add_edge("hR", "g", weight="g2")
    g.add_node("y", kind="output", **({"bias": "c"} if bias else {}))
    g.add_edge("g", "y", weight="a")
    return validate(g, activation=activation, name="liao-poggio tree")


# ---------------------------------------------------------------------------
# JSON interchange format (docs/network-format.md)


def network_to_json(net: Network) -> dict:
    """The interchange form of ``net`` (see ``docs/network-format.md``)."""
    nodes = []
    for v in list(net.inputs) + [v for v in net.order]:
        entry = {"id": str(v), "kind": net.kind(v)}
        if net.bias(v) is not None:
            entry["bias"] = net.bias(v)
        a = net.dag.nodes[v].get("activation")
        if a is not None:
            entry["activation"] = a.to_json()
        nodes.append(entry)
    edges = [{"from": str(u), "to": str(v), "weight": lab} for v in net.order for u, lab in net.in_edges(v)]
    return {"format": FORMAT_TAG, "version": FORMAT_VERSION, "name": net.name,
            "activation": net.activation.to_json(), "inputs": [str(v) for v in net.inputs],
            "outputs": [str(v) for v in net.outputs], "nodes": nodes, "edges": edges}


# Distinct relu-approx activations one network may use: each is an exact Chebyshev construction (up to about
# half a second at degree 200), so a hostile file with hundreds of radii would run for minutes.
MAX_RELU_APPROX_SPECS = 16

_TOP_KEYS = {"format", "version", "name", "activation", "inputs", "outputs", "nodes", "edges"}


def network_from_json(obj) -> Network:
    """Build a :class:`Network` from its interchange form; strict about keys and types.

    Raises
    ------
    InputError
        On anything that is not a well-formed network document.
    """
    if not isinstance(obj, dict):
        raise InputError("a network document must be a JSON object")
    check_json_text(obj, None, "network")
    unknown = set(obj) - _TOP_KEYS
    if unknown:
        raise InputError(f"network: unknown key(s) {', '.join(sorted(map(_key, unknown)))}")
    if obj.get("format") != FORMAT_TAG:
        raise InputError(f"network: 'format' must be {FORMAT_TAG!r}")
    if type(obj.get("version")) is not int or obj.get("version") != FORMAT_VERSION:
        raise InputError(f"network: unsupported version {obj.get('version')!r} (this reader knows {FORMAT_VERSION})")
    for key in ("activation", "nodes", "edges"):
        if key not in obj:
            raise InputError(f"network: missing required key {key!r}")
    if not isinstance(obj["nodes"], list) or not isinstance(obj["edges"], list):
        raise InputError("network: 'nodes' and 'edges' must be lists")
    g = _DAG()
    relu_specs = set()
    for i, node in enumerate(obj["nodes"]):
        if not isinstance(node, dict):
            raise InputError(f"network: nodes[{i}] must be an object")
        bad = set(node) - {"id", "kind", "bias", "activation"}
        if bad:
            raise InputError(f"network: nodes[{i}] has unknown key(s) {', '.join(sorted(map(_key, bad)))}")
        vid = node.get("id")
        if not isinstance(vid, str) or not vid:
            raise InputError(f"network: nodes[{i}] needs a non-empty string 'id'")
        if vid in g:
            raise InputError(f"network: duplicate node id {vid!r}")
        attrs = {"kind": node.get("kind")}
        if "bias" in node:
            attrs["bias"] = node["bias"]
        if "activation" in node:
            spec = node["activation"]
            if isinstance(spec, dict) and spec.get("name") in ("relu-approx", "relu_approx"):
                relu_specs.add(json.dumps(spec, sort_keys=True)[:200])
                if len(relu_specs) > MAX_RELU_APPROX_SPECS:
                    raise InputError(f"network: more than {MAX_RELU_APPROX_SPECS} distinct relu-approx activations "
                                     "(each costs an exact Chebyshev construction); share one (degree, radius)")
            attrs["activation"] = activation_from_json(spec)
        g.add_node(vid, **attrs)
    for i, edge in enumerate(obj["edges"]):
        if not isinstance(edge, dict) or set(edge) != {"from", "to", "weight"}:
            raise InputError(f"network: edges[{i}] must be an object with exactly 'from', 'to', 'weight'")
        u, v = edge["from"], edge["to"]
        for end in (u, v):
            if end not in g:
                raise InputError(f"network: edges[{i}] refers to unknown node {end!r}")
        if g.has_edge(u, v):
            raise InputError(f"network: duplicate edge {u!r} -> {v!r}")
        g.add_edge(u, v, weight=edge["weight"])
    for key in ("inputs", "outputs"):
        if key in obj and (not isinstance(obj[key], list) or not all(isinstance(s, str) for s in obj[key])):
            raise InputError(f"network: '{key}' must be a list of node ids")
    name = obj.get("name", "network")
    if not isinstance(name, str):
        raise InputError("network: 'name' must be a string")
    return validate(g, activation=activation_from_json(obj["activation"]), inputs=obj.get("inputs"),
                    outputs=obj.get("outputs"), name=name)


def load_network(path) -> Network:
    """Read a network JSON file (see ``docs/network-format.md``)."""
    return network_from_json(read_json(path, "network"))


def point_to_json(net: Network, values) -> dict:
    """A parameter point as ``{label: exact decimal string}`` in label order (a float: its exact binary value)."""
    import flint

    from .checker.format import decimal_str
    out = {}
    for lab, v in zip(net.labels, values, strict=True):
        if not isinstance(v, flint.fmpq):
            f = Fraction(v)
            v = flint.fmpq(f.numerator, f.denominator)
        out[lab] = decimal_str(v)
    return out
