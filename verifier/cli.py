"""Command line: argv -> the same verbs as the Python API. No mathematics here.

Exit codes: 0 verified; 1 refuted, not-applicable or inconclusive (with the reason);
2 bad input or usage (one line on stderr, no traceback, no files written).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from .envelope import claim_counts as _claim_counts
from .envelope import envelope
from .errors import InputError, install_hint
from .version import __version__

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, exit 2: main() prints "verifier: error: " before the message, so the message
        # names only the subcommand ("verify: argument --prec: ..."), not the program again.
        command = self.prog.removeprefix("verifier").strip()
        raise InputError(f"{command}: {message}" if command else message)


class _Progress:
    """Progress messages on stderr. ``mode``: ``"bar"`` (the default: a tqdm line with the elapsed time when
    stderr is a terminal; silent otherwise), ``"lines"`` (``--verbose``: timestamped lines, terminal or not,
    at most one every 2 s within a stage, every new stage and every finished count) or ``"off"``."""

    def __init__(self, mode: str = "bar"):
        import time
        self.bar, self.mode, self.t0 = None, mode, time.monotonic()
        self.last_key, self.last_t, self.last_text = None, -math.inf, None
        if mode == "bar" and sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=None, bar_format="{desc} [{elapsed}]", file=sys.stderr, leave=False)

    def __call__(self, text: str):
        if self.bar is not None:
            self.bar.set_description_str(text, refresh=False)
            self.bar.update(0)          # redraws at most every tqdm.mininterval
        elif self.mode == "lines":
            import re
            import time
            now = time.monotonic()
            key = re.sub(r"\d+", "#", text)
            counts = re.search(r"(\d+)(?: of |/)(\d+)\b", text)
            finished = counts is not None and counts.group(1) == counts.group(2)
            if text != self.last_text and (key != self.last_key or finished or now - self.last_t >= 2.0):
                print(f"verifier: [{now - self.t0:7.1f} s] {text}", file=sys.stderr, flush=True)
                self.last_key, self.last_t, self.last_text = key, now, text

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _progress(args) -> _Progress:
    """The progress of a command from its --quiet/--verbose (and --json: no progress bar unless --verbose)."""
    if getattr(args, "quiet", False):
        return _Progress("off")
    if getattr(args, "verbose", False):
        return _Progress("lines")
    return _Progress("off" if getattr(args, "json", False) else "bar")


def _add_progress_flags(p) -> None:
    """-q/--quiet and -v/--verbose for the commands that report progress on long work."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true",
                   help="no progress messages on stderr (the results are printed as usual)")
    g.add_argument("-v", "--verbose", action="store_true",
                   help="progress as timestamped lines on stderr (stages, counts such as paths tracked of total), "
                   "also when stderr is not a terminal and with --json (default: one progress line on a terminal, "
                   "none with --json)")


def _cert_envelope(command, doc, out, files=(), result=None) -> dict:
    """The envelope of a command that wrote (or could have written) a certificate."""
    claims = [{k: c[k] for k in ("id", "status", "scope", "message")} for c in doc["claims"]]
    return envelope(command, status=doc["status"], theorem=doc["theorem"], tier=doc.get("tier"),
                    reason=doc["reason"], counts=_claim_counts(doc["claims"]), certificate=out, files=files,
                    timings=doc.get("timings_s"), result={"claims": claims, "summary": doc.get("summary", {}),
                                                           **(result or {})})


def _print_json(doc) -> None:
    print(json.dumps(doc, indent=1))


_JSON_HELP = "print one JSON object (the shape of docs/json-output.md) instead of text"


class _Unbuilt:
    """A subcommand's parser that this run does not parse with: its arguments are not added."""

    def add_argument(self, *args, **kwargs):
        return None

    def add_argument_group(self, *args, **kwargs):
        return self

    def add_mutually_exclusive_group(self, *args, **kwargs):
        return self


class _OnlySubparsers:
    """``add_subparsers()`` that registers every subcommand (its name and help: the choices, ``--help``) but
    adds the arguments of ``only`` alone; adding every subcommand's arguments costs more than parsing."""

    def __init__(self, sub, only: str):
        self._sub, self._only = sub, only

    def add_parser(self, name, **kwargs):
        parser = self._sub.add_parser(name, **kwargs)
        return parser if name == self._only else _Unbuilt()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``only`` (the subcommand named first on the command line), the other
    subcommands are registered without their arguments (they are not parsed in this run)."""
    p = _Parser(prog="verifier", description="Certified theorem instances about loss landscapes of "
                "overparameterized networks (Cooper; Liao-Poggio).")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    if only is not None:
        sub = _OnlySubparsers(sub, only)
    d = sub.add_parser("demo", help="verify, certify and report on a built-in dataset")
    d.add_argument("--out-dir", default="verifier-demo", help="folder for the certificates and reports "
                   "(default: ./verifier-demo)")
    d.add_argument("--json", action="store_true", help=_JSON_HELP)
    t = sub.add_parser("theorems", help="list the theorems and their hypotheses")
    t.add_argument("--json", action="store_true", help=_JSON_HELP)
    v = sub.add_parser("verify", help="verify a theorem instance and write a certificate")
    v.add_argument("theorem", help="theorem id, e.g. cooper-4.1 (see `verifier theorems`)")
    v.add_argument("--data", required=True, help="dataset: .csv, .json or .npy")
    v.add_argument("--outputs", type=int, default=None,
                   help="number l of target columns at the end of each row (default 1; a .json, .npz or .pt dict "
                   "dataset names its targets, and --outputs must then agree)")
    v.add_argument("--network", help="network JSON (docs/network-format.md); cooper-2.1/2.3")
    v.add_argument("--point", help="parameter point JSON {label: value} (values as exact strings like \"3/7\" "
                   "or JSON numbers, read exactly); cooper-2.1/2.3")
    v.add_argument("--out", help="write the certificate here (JSON)")
    v.add_argument("--width", type=int, help="last hidden width for the construction (default d)")
    v.add_argument("--depth", type=int, default=None, help="number of hidden layers T (default 1; cooper-3.4: 2)")
    v.add_argument("--activation", default="smoolu", help="activation name or JSON spec (default smoolu)")
    v.add_argument("--prec", type=int, default=128, help="ball precision in bits (default 128)")
    v.add_argument("--seed", type=int, default=0, help="seed for the construction's projection (default %(default)s)")
    v.add_argument("--max-distance", help="cooper-2.1/2.3: how far (max-norm, exact rational) the certified zero may "
                   "lie from --point for the point to count as an approximate zero (default 1e-3 (1 + max |w_i|)); "
                   "farther: inconclusive")
    alg = v.add_argument_group("polynomial networks (liao-poggio-*, cooper-2.1-global)")
    alg.add_argument("--timeout", type=float, default=None,
                     help="seconds for each engine computation (Groebner basis, lift; default 60) or for the Krawczyk "
                     "test of Cooper's theorems (estimated before it starts; default 600); past it: inconclusive")
    alg.add_argument("--max-memory", type=int, default=4096, help="MB of memory for each engine run (default 4096)")
    alg.add_argument("--max-terms", type=int, default=200000,
                     help="largest residual polynomial (terms) to expand (default 200000)")
    alg.add_argument("--trials", type=int, default=2, help="random points for the generic rank (default 2)")
    alg.add_argument("--epsilon", default="1/1000",
                     help="cooper-2.1-global: bound on the target perturbation when 0 is a critical value "
                     "(exact rational; default %(default)s)")
    alg.add_argument("--no-groebner", action="store_true",
                     help="no engine runs beyond what the answer needs: liao-poggio-dimension skips the Groebner "
                     "dimension (modular rank only), liao-poggio-bezout the solution counts beside the bounds")
    tb = v.add_argument_group("torch backend (cooper-2.1, cooper-2.3 at scale; tier: floating-point with error "
                              "bounds; needs the extra 'torch')")
    tb.add_argument("--torch-model", metavar="FILE.py:FUNCTION",
                    help="import FILE.py (your own code: it is executed as Python) and call FUNCTION(); it returns "
                    "an nn.Sequential of nn.Linear and activations (Tanh, Sigmoid, Softplus, Identity, "
                    "verifier.torch_backend.models.SmooLU/Polynomial), or of nn.Conv1d layers with activations, "
                    "nn.Flatten and nn.Linear layers, or a layered verifier Network. --data then "
                    "reads .npz (arrays X, Y; X may be d x channels x length), .npy or .pt (torch.load with "
                    "weights_only=True); pickles are never loaded")
    tb.add_argument("--torch", action="store_true",
                    help="use the torch backend for --network NET.json (a layered MLP, or a one-layer convolution "
                    "as verifier.network.conv1d builds); --point optional "
                    "(default: a seeded random start)")
    tb.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    tb.add_argument("--steps", type=int, default=20, help="Gauss-Newton steps towards M (default 20)")
    tb.add_argument("--tol", type=float, default=1e-13, help="stop Gauss-Newton at max|H| <= TOL (default 1e-13)")
    tb.add_argument("--optimizer", choices=("adam", "sgd", "lbfgs"),
                    help="train with this optimiser before Gauss-Newton")
    tb.add_argument("--optimizer-steps", type=int, default=0, help="steps of --optimizer (default 0)")
    tb.add_argument("--lr", type=float, default=1e-3, help="learning rate of --optimizer (default 1e-3)")
    v.add_argument("--from", dest="from_point", metavar="W0.json", help="cooper-connected: the start point")
    v.add_argument("--to", dest="to_point", metavar="W1.json", help="cooper-connected: the end point")
    v.add_argument("--json", action="store_true", help=_JSON_HELP)
    _add_progress_flags(v)
    cn = sub.add_parser("connect", help="a certified path in M (L = 0 along it) between two approximate zeros, "
                        "e.g. two trained minima (cooper-connected)")
    cn.add_argument("--network", help="network JSON (docs/network-format.md), smooth activations")
    cn.add_argument("--data", required=True, help="dataset: .csv, .json or .npy (with --torch-model/--torch also "
                    ".npz or .pt)")
    cn.add_argument("--torch-model", metavar="FILE.py:FUNCTION",
                    help="the floating-point tier (torch backend, layered MLPs at scale): import FILE.py (your own "
                    "code, executed as Python) and call FUNCTION(), an nn.Sequential of nn.Linear and smooth "
                    "activations; --from/--to then read .pt (a flat tensor or the model's state_dict, torch.load "
                    "with weights_only=True), .npy (canonical order) or .json")
    cn.add_argument("--torch", action="store_true",
                    help="the floating-point tier for --network NET.json (a layered MLP)")
    cn.add_argument("--outputs", type=int, default=None, help="number l of target columns at the end of each row "
                    "(default 1 for .csv and .npy; a .json dataset names its targets, and --outputs must then agree)")
    cn.add_argument("--from", dest="from_point", required=True, metavar="W0.json",
                    help="the start point {label: value} (values read exactly)")
    cn.add_argument("--to", dest="to_point", required=True, metavar="W1.json", help="the end point {label: value}")
    cn.add_argument("--out", help="write the certificate here (JSON)")
    cn.add_argument("--prec", type=int, default=128, help="ball precision in bits (default 128)")
    cn.add_argument("--timeout", type=float, default=600.0,
                    help="seconds for the search of the path (default 600); past it: inconclusive")
    cn.add_argument("--max-distance", help="how far (max-norm, exact rational) the path's ends may lie from the given "
                    "points (default 1e-3 (1 + max |w_i|))")
    cn.add_argument("--max-segments", type=int, default=5000, help="most Krawczyk segments (default 5000)")
    cn.add_argument("--grid", type=int, default=None,
                    help="points of the straight segment where L is enclosed (segment-loss; default 21, 0: none; "
                    "rigorous tier only)")
    cn.add_argument("--json", action="store_true", help=_JSON_HELP)
    _add_progress_flags(cn)
    _add_solve_parsers(sub)
    sw = sub.add_parser("sweep", help="run one theorem over a family of instances (a TOML spec) on Dask, into a "
                        "resumable results folder")
    sw.add_argument("spec", help="the sweep spec, a TOML file (docs/sweep-format.md)")
    sw.add_argument("--out", required=True, help="results folder (created; run again to resume)")
    sw.add_argument("--scheduler", help="address of an existing Dask scheduler (tcp://host:8786); default: a "
                    "LocalCluster on this machine")
    sw.add_argument("--workers", type=int, help="LocalCluster worker processes, one thread each (default: CPUs)")
    sw.add_argument("--in-process", action="store_true", help="no Dask: run the instances one by one here")
    sw.add_argument("--retry-inconclusive", action="store_true",
                    help="recompute the instances a budget stopped")
    sw.add_argument("--json", action="store_true", help=_JSON_HELP)
    _add_progress_flags(sw)
    c = sub.add_parser("check", help="independently re-verify a certificate, or every certificate of a sweep's "
                       "results folder")
    c.add_argument("certificate", help="a certificate (.json), or a sweep results folder (verifier sweep --out)")
    c.add_argument("--scheduler", help="results folder: check on this Dask scheduler")
    c.add_argument("--json", action="store_true", help=_JSON_HELP)
    r = sub.add_parser("report", help="readable report of a certificate or of a sweep results folder (Markdown, "
                       "HTML with figures, or for a certificate a PDF)")
    r.add_argument("certificate", help="a certificate (.json), or a sweep results folder (verifier sweep --out)")
    r.add_argument("--format", choices=("md", "html", "pdf"), default="md",
                   help="md (default; to stdout unless --out), html (one self-contained page with inline SVG "
                   "figures; needs --out) or pdf (a certificate's report as one PDF file: the text, then one page "
                   "per figure; needs --out and matplotlib)")
    r.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="pdf: the page size, portrait (default a4)")
    r.add_argument("--out", help="write the report to this file, or into this existing folder as "
                   "CERT.md/.html/.pdf")
    r.add_argument("--figures", nargs="?", const=True, default=None, metavar="DIR",
                   help="with DIR: also write every figure for a paper, as DIR/fig-KEY.png (200 dpi) and "
                   "DIR/fig-KEY.pdf (vector); without --out only the figures are written. Bare --figures (md with "
                   "--out): draw the figures as SVG files in OUT-figures/ and link them (the default)")
    r.add_argument("--no-figures", action="store_true", help="md with --out: no figure files")
    r.add_argument("--json", action="store_true", help="print {theorem, status, report, ...} as JSON")
    sp = sub.add_parser("spectrum", help="Hessian spectrum at a trained point near M (torch backend): all l*d "
                        "eigenvalues of 2 J J^T, a bound on the rest by Lanczos, Weyl's counts")
    sp.add_argument("--torch-model", metavar="FILE.py:FUNCTION",
                    help="import FILE.py (your own code: it is executed as Python) and call FUNCTION(), as for "
                    "verify; the module's weights are the point")
    sp.add_argument("--network", help="network JSON (a layered MLP or a one-layer convolution) instead of "
                    "--torch-model")
    sp.add_argument("--point", help="with --network: parameter point JSON {label: value} (default: seeded random)")
    sp.add_argument("--data", required=True, help="dataset: .npz (X, Y), .npy, .pt (weights_only), .csv or .json")
    sp.add_argument("--outputs", type=int, default=None,
                    help="number l of target columns at the end of each row (.npy, .csv; default 1; .npz and .json "
                    "name their targets, and --outputs must then agree)")
    sp.add_argument("--optimizer", choices=("adam", "sgd", "lbfgs"), help="train with this optimiser first")
    sp.add_argument("--optimizer-steps", type=int, default=0, help="steps of --optimizer (default 0)")
    sp.add_argument("--lr", type=float, default=1e-3, help="learning rate of --optimizer (default 1e-3)")
    sp.add_argument("--lanczos-steps", type=int, default=60,
                    help="Lanczos steps on the second part S = 2 sum H_r Hess H_r (default %(default)s, at most n: "
                    "more are clamped to n; memory: steps * n)")
    sp.add_argument("--delta", type=float, default=1e-3,
                    help="failure probability of the probabilistic upper bound on ||S||_2 (default 1e-3)")
    sp.add_argument("--seed", type=int, default=0, help="seed of the Lanczos start vector and of a random --network "
                    "point (default %(default)s)")
    sp.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    sp.add_argument("--out", help="write all numbers here (JSON, every eigenvalue of 2K)")
    sp.add_argument("--figure", help="draw the spectrum (SVG) into this file")
    sp.add_argument("--json", action="store_true", help="print all numbers as JSON")
    _add_progress_flags(sp)
    dr = sub.add_parser("doctor", help="which engines and extras are installed and working (a report; exit 0)")
    dr.add_argument("--json", action="store_true", help=_JSON_HELP)
    _add_landscape_parser(sub)
    return p


def _solve_common(q, methods=("auto", "homotopy", "msolve", "both"), method_help=""):
    q.add_argument("--method", choices=methods, default=None,
                   help="homotopy continuation, msolve, or both (default: chosen per system: msolve alone when "
                        "the homotopy's start system has more than 200 paths, both at or below that, the homotopy "
                        "where msolve is not installed; see docs/solving.md)"
                   + method_help)
    q.add_argument("--start", choices=("auto", "total-degree", "multihomogeneous", "sparse"), default="auto",
                   help="homotopy start system (default auto: total-degree, or sparse where ten times the mixed "
                   "volume is below the Bezout number and that is above 200 paths; sparse: a random member of the "
                   "system's sparse family, its roots found by monodromy, as many paths as the mixed volume)")
    q.add_argument("--out", help="write the certificate here (JSON)")
    q.add_argument("--solutions-out", metavar="FILE.csv|FILE.json",
                   help="write every certified solution (one row per box: number, realness, coordinates, radius; "
                   "critical points add label and loss) to this CSV or JSON file")
    q.add_argument("--timeout", type=float, default=600.0,
                   help="seconds for the homotopy and for each engine run (default %(default)g; verify's default "
                   "is 60)")
    q.add_argument("--max-memory", type=int, default=4096, help="MB of memory for each engine run (default 4096)")
    q.add_argument("--seed", type=int, default=0, help="seed (homotopy, slices, random instances; default %(default)s)")
    q.add_argument("--json", action="store_true", help=_JSON_HELP)
    _add_progress_flags(q)


def _add_solve_parsers(sub):
    s = sub.add_parser("solve", help="all solutions of a square polynomial system, certified (polynomial-solutions)")
    s.add_argument("system", nargs="?", help="text file: 'vars: x, y' then one polynomial per line")
    s.add_argument("--network", help="square polynomial network (n = l*d) instead of a file")
    s.add_argument("--data", help="dataset for --network: .csv, .json or .npy")
    s.add_argument("--outputs", type=int, default=None, help="number l of target columns (default 1)")
    _solve_common(s)
    g = sub.add_parser("degree", help="witness set of V(H) for n > l*d: certified degree lower bound (witness-degree)")
    g.add_argument("--network", required=True, help="network JSON with polynomial activations, n > l*d "
                   "(docs/network-format.md)")
    g.add_argument("--data", required=True, help="dataset: .csv, .json or .npy (docs/data-format.md)")
    g.add_argument("--outputs", type=int, default=None, help="number l of target columns (default 1)")
    _solve_common(g, ("auto", "homotopy", "msolve", "both", "monodromy"),
                  "; monodromy: a witness set on complex slices from one point by monodromy loops, complete when "
                  "the trace test passes (numerical evidence, not a proof), moved to the rational slices and "
                  "certified like the homotopy's endpoints")
    g.add_argument("--loops", type=int, default=500,
                   help="--method monodromy: at most this many monodromy loops (default 500)")
    g.add_argument("--stall", type=int, default=5,
                   help="--method monodromy: run the trace test after this many consecutive loops without a "
                   "new point (default 5)")
    c = sub.add_parser("critical-points", help="real critical points of a polynomial loss, classified "
                       "(liao-poggio-prop-1)")
    c.add_argument("--deep-linear", metavar="H,d,dx,dy,m", help="regularised deep linear network (seeded data)")
    c.add_argument("--network", help="network JSON with polynomial activations (docs/network-format.md): the "
                   "critical points of its loss on --data")
    c.add_argument("--data", help="dataset for --network: .csv, .json or .npy")
    c.add_argument("--outputs", type=int, default=None, help="number l of target columns (default 1)")
    c.add_argument("--lambda", dest="lam", default="0", help="L2 constant for --network (exact rational, default 0)")
    _solve_common(c)


def _solve_opts(args, *inputs):
    if not args.timeout > 0 or args.max_memory < 64:
        raise InputError("--timeout must be > 0 and --max-memory >= 64 (MB)")
    _check_out(args.out, *inputs)
    if args.solutions_out is not None:
        from .solutions import SOLUTIONS_FORMATS
        if not args.solutions_out.lower().endswith(SOLUTIONS_FORMATS):
            raise InputError(f"--solutions-out {args.solutions_out}: give a .csv or .json file name")
        _check_out(args.solutions_out, *inputs)
        if args.out and os.path.abspath(args.out) == os.path.abspath(args.solutions_out):
            raise InputError("--out and --solutions-out name the same file")
    from .algebra import engines
    # not given: the route is chosen per system by measurement (theorems.solving.choose_route)
    method = args.method or "auto"
    if method in ("msolve",) and engines.msolve_path() is None:
        raise InputError(f"--method msolve needs msolve: {install_hint('algebra')}")
    return {"method": method, "start": args.start, "timeout": args.timeout, "max_memory_mb": args.max_memory}


def _load_net_data(args):
    from .data import load_dataset
    from .network import load_network
    if not args.network or not args.data:
        raise InputError("give --network NET.json and --data D.csv")
    net = load_network(args.network)
    data = load_dataset(args.data, outputs=_outputs(args))
    _check_outputs(args, data.l)
    _check_shape(args, data.p, data.l, net.p, net.l, "network")
    return net, data


def _finish_solve(args, run) -> int:
    progress = _progress(args)
    try:
        cert = run(progress)
    finally:
        progress.close()
    doc = cert.to_json()
    if args.out:
        cert.write(args.out)
    if args.solutions_out:
        from .certificate import write_text_atomic
        from .solutions import solutions_file_text
        write_text_atomic(args.solutions_out, solutions_file_text(args.solutions_out, doc))
    if args.json:
        from .solutions import solution_rows
        names, rows = solution_rows(doc)
        _print_json(_cert_envelope(args.command, doc, args.out, files=[args.solutions_out] if args.solutions_out
                                   else [], result={"extra": {k: v for k, v in doc["extra"].items() if k != "homotopy"},
                                                    "variables": names, "solutions": rows}))
    else:
        print(cert.summary())
        if args.out:
            print(f"  certificate {args.out}")
        if args.solutions_out:
            print(f"  solutions   {args.solutions_out}")
    return EXIT_OK if doc["status"] == "verified" else EXIT_NOT_VERIFIED


def cmd_solve(args) -> int:
    from .theorems import solving as st
    if bool(args.system) == bool(args.network):
        raise InputError("give either SYSTEM.txt or --network NET.json --data D.csv")
    opts = _solve_opts(args, args.system, args.network, args.data)
    if args.system:
        names, polys = st.read_system_file(args.system)
        return _finish_solve(args, lambda pr: st.certify_system("polynomial-solutions", names, polys, {"kind": "file"},
                                                                seed=args.seed, progress=pr, **opts))
    net, data = _load_net_data(args)
    return _finish_solve(args, lambda pr: st.solve_network(net, data, seed=args.seed, progress=pr, **opts))


def cmd_degree(args) -> int:
    from .theorems import solving as st
    opts = _solve_opts(args, args.network, args.data)
    if args.loops < 1 or args.stall < 1:
        raise InputError("--loops and --stall must be >= 1")
    if opts["method"] == "monodromy":
        opts.update(loops=args.loops, stall=args.stall)
    net, data = _load_net_data(args)
    return _finish_solve(args, lambda pr: st.witness_degree(net, data, seed=args.seed, progress=pr, **opts))


def cmd_critical_points(args) -> int:
    from .theorems import solving as st
    if bool(args.deep_linear) == bool(args.network):
        raise InputError("give either --deep-linear H,d,dx,dy,m or --network NET.json --data D.csv")
    opts = _solve_opts(args, args.network, args.data)
    if args.deep_linear:
        try:
            H, d, dx, dy, m = (int(x) for x in args.deep_linear.split(","))
        except ValueError:
            raise InputError("--deep-linear takes five integers H,d,dx,dy,m") from None
        if min(H, d, dx, dy, m) < 1 or max(H, d, dx, dy, m) > 50:
            raise InputError("--deep-linear: H, d, dx, dy, m must be integers between 1 and 50")
        return _finish_solve(args, lambda pr: st.critical_points_deep_linear(H, d, dx, dy, m, seed=args.seed,
                                                                             progress=pr, **opts))
    from .checker.format import FormatError, parse_rational
    try:
        lam = parse_rational(args.lam)
    except FormatError:
        raise InputError(f"--lambda {args.lam!r} is not an exact rational") from None
    if lam < 0:
        raise InputError("--lambda must be >= 0")
    net, data = _load_net_data(args)
    return _finish_solve(args, lambda pr: st.critical_points_network(net, data, lam=str(lam), seed=args.seed,
                                                                     progress=pr, **opts))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        # the subcommand is the first word when it is not an option (argparse takes it from there too)
        args = build_parser(only=argv[0] if argv and not argv[0].startswith("-") else None).parse_args(argv)
        if args.version:
            if args.command is not None:
                raise InputError("--version takes no command")
            print(f"verifier {__version__}")
            return EXIT_OK
        if args.command is None:
            build_parser().print_help()
            return EXIT_BAD_INPUT
        return _COMMANDS[args.command](args)
    except InputError as exc:
        print(f"verifier: error: {str(exc).splitlines()[0] if str(exc) else 'bad input'}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("verifier: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly; point stdout at devnull so the
        # interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141   # 128 + SIGPIPE, as a shell reports a command killed by a closed pipe


def _load_cert(path):
    from .checker.format import FORMAT_TAG
    from .data import read_json
    cert = read_json(path, "certificate", exact_floats=False)
    if not isinstance(cert, dict) or cert.get("format") != FORMAT_TAG:
        raise InputError(f"{path} is not a verifier certificate (no \"format\": \"{FORMAT_TAG}\")")
    return cert


def _check_out(out, *inputs):
    """--out must name a file in an existing folder and must not overwrite an input."""
    if out is None:
        return
    if os.path.isdir(out):
        raise InputError(f"--out {out} is a folder; give a file name")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise InputError(f"cannot write {out}: its folder does not exist")
    for path in inputs:
        if path and os.path.exists(out) and os.path.exists(path) and os.path.samefile(out, path):
            raise InputError(f"--out {out} would overwrite the input file {path}")


def _outputs(args) -> int:
    return 1 if args.outputs is None else args.outputs


def _check_outputs(args, found: int) -> None:
    """A dataset that names its targets (.json x/y, .npz X/Y, a .pt dict) has as many as it has: an explicit
    --outputs must agree (for .csv and .npy --outputs is what splits the columns, so they always agree)."""
    if args.outputs is not None and args.outputs != found:
        raise InputError(f"--outputs {args.outputs}, but {args.data} holds {found} target column"
                         f"{'s' if found != 1 else ''}: leave --outputs out for a dataset that names its targets")


def _check_shape(args, dp, dl, p, l, what) -> None:  # noqa: E741
    """The data's input and target columns must be the network's (or model's) inputs and outputs."""
    if (dp, dl) == (p, l):
        return
    hint = f": give --outputs {l}" if dp + dl == p + l and not str(args.data).lower().endswith(
        (".json", ".npz", ".pt")) else ""
    raise InputError(f"the data have {dp} input column{'s' if dp != 1 else ''} and {dl} target column"
                     f"{'s' if dl != 1 else ''} (--outputs {_outputs(args)}); the {what} has {p} input"
                     f"{'s' if p != 1 else ''} and {l} output{'s' if l != 1 else ''}{hint}")


def _check_shifted_outputs(args, data) -> None:
    """--outputs l >= 2 on a file whose inputs then repeat, but not with fewer target columns: most likely a
    file with fewer outputs, its input columns shifted into the targets. Refused, not certified as
    not-applicable."""
    if args.outputs is None or args.outputs < 2 or str(args.data).lower().endswith((".json", ".npz", ".pt")) \
            or not data.duplicate_rows():
        return
    from .data import load_dataset
    for fewer in range(args.outputs - 1, 0, -1):
        if not load_dataset(args.data, outputs=fewer).duplicate_rows():
            rows = data.duplicate_rows()[0]
            shown = " and ".join(str(data.row_labels[i - 1]) for i in rows[:2])
            raise InputError(f"--outputs {args.outputs} leaves {data.p} input column{'s' if data.p != 1 else ''} "
                             f"whose values repeat (rows {shown}), while with --outputs {fewer} the inputs are "
                             f"distinct: does {args.data} have {args.outputs} target columns?")


def _check_prec(prec):
    if not 32 <= prec <= 65536:
        raise InputError("--prec must be between 32 and 65536 bits")


def cmd_doctor(args) -> int:
    """Which engines and extras are installed and working: a report, so exit 0 whatever it finds."""
    from .doctor import diagnose, render
    doc = diagnose()
    if args.json:
        _print_json(envelope("doctor", status="ok", timings={"doctor": doc.pop("seconds")}, result=doc))
    else:
        doc.pop("seconds")
        print(render(doc))
    return EXIT_OK


def cmd_theorems(args) -> int:
    from .theorems import THEOREMS
    if args.json:
        _print_json(envelope("theorems", status="ok", result={"theorems": [t.to_json() for t in THEOREMS.values()]}))
        return EXIT_OK
    for t in THEOREMS.values():
        print(f"{t.id:11s} {t.title}" if len(t.id) <= 11 else f"{t.id}\n            {t.title}")
        print(f"            {t.statement}")
        print(f"            hypotheses: {'; '.join(t.hypotheses)}")
        print(f"            needs: {', '.join('--' + n for n in t.needs)}; tiers: {', '.join(t.tiers)}; "
              f"engines: {', '.join(t.engines)}; commands: {', '.join(t.commands)}")
    return EXIT_OK


def cmd_verify(args) -> int:
    from .activations import activation_from_json
    from .data import load_dataset
    from .network import load_network, read_json
    from .theorems import THEOREMS, verify
    if args.theorem not in THEOREMS:
        raise InputError(f"unknown theorem {args.theorem!r}; known: {', '.join(THEOREMS)}")
    if (args.torch_model or args.torch) and args.theorem == "cooper-connected":
        args.max_segments, args.grid = 5000, None
        args.timeout = 600.0 if args.timeout is None else args.timeout
        return _connect(args, "verify")
    if args.torch_model or args.torch:
        return _verify_torch(args)
    if args.theorem == "cooper-connected" or args.from_point or args.to_point:
        if args.theorem != "cooper-connected":
            raise InputError(f"--from/--to belong to cooper-connected, not {args.theorem}")
        if not (args.network and args.from_point and args.to_point):
            raise InputError("cooper-connected needs --network NET.json, --from W0.json and --to W1.json")
        args.max_segments, args.grid = 5000, None
        args.timeout = 600.0 if args.timeout is None else args.timeout
        return _connect(args, "verify")
    _check_prec(args.prec)
    _check_out(args.out, args.data, args.network, args.point)
    thm = THEOREMS[args.theorem]
    data = load_dataset(args.data, outputs=_outputs(args))
    _check_outputs(args, data.l)
    opts = {"prec_bits": args.prec, "seed": args.seed}
    if args.timeout is not None and "network" not in thm.needs or "point" in thm.needs and args.timeout is not None:
        if not args.timeout > 0:
            raise InputError("--timeout must be > 0")
        opts["timeout"] = args.timeout
    if "point" in thm.needs:
        if not args.network or not args.point:
            raise InputError(f"{thm.id} needs --network NET.json and --point W.json")
        opts["network"] = load_network(args.network)
        _check_shape(args, data.p, data.l, opts["network"].p, opts["network"].l, "network")
        opts["point"] = read_json(args.point, "point")
        if args.max_distance is not None:
            opts["max_distance"] = args.max_distance
    elif "network" in thm.needs:
        if not args.network:
            raise InputError(f"{thm.id} needs --network NET.json (a network with polynomial activations)")
        if args.point:
            raise InputError(f"{thm.id} does not use --point")
        timeout = 60.0 if args.timeout is None else args.timeout
        if timeout <= 0 or args.max_memory < 64 or args.max_terms < 1 or not 1 <= args.trials <= 100:
            raise InputError("--timeout must be > 0, --max-memory >= 64 (MB), --max-terms >= 1, "
                             "--trials between 1 and 100")
        opts["network"] = load_network(args.network)
        _check_shape(args, data.p, data.l, opts["network"].p, opts["network"].l, "network")
        opts.update(timeout=timeout, max_memory_mb=args.max_memory, max_terms=args.max_terms,
                    trials=args.trials, epsilon=args.epsilon, groebner=not args.no_groebner)
        opts = {k: v for k, v in opts.items() if k in thm.options}
    else:
        if args.network or args.point:
            raise InputError(f"{thm.id} builds its own network: --network/--point are not used")
        _check_shifted_outputs(args, data)
        act = args.activation
        if act.lstrip().startswith("{"):
            try:
                act = json.loads(act, parse_constant=lambda c: None)
            except ValueError:
                raise InputError("--activation is neither a name nor valid JSON") from None
        opts["activation"] = activation_from_json(act)
        if args.width is not None:
            opts["width"] = args.width
        if args.depth is not None:
            if args.depth < 1:
                raise InputError("--depth must be >= 1")
            opts["depth"] = args.depth
    progress = _progress(args)
    try:
        cert = verify(args.theorem, data, progress=progress, **opts)
    finally:
        progress.close()
    if args.out:
        cert.write(args.out)
    if args.json:
        doc = cert.to_json()
        _print_json(_cert_envelope("verify", doc, args.out))
    else:
        print(cert.summary())
        if args.out:
            print(f"  certificate {args.out}")
    return EXIT_OK if cert.status == "verified" else EXIT_NOT_VERIFIED


def cmd_connect(args) -> int:
    return _connect(args, "connect")


def _connect(args, command: str) -> int:
    """verifier connect (and verify cooper-connected): a certified path in M between two points."""
    from .data import load_dataset
    from .network import load_network, read_json
    from .theorems import verify
    if getattr(args, "torch_model", None) or getattr(args, "torch", False):
        return _connect_float(args, command)
    if not args.network:
        raise InputError("connect needs --network NET.json (rigorous tier) or --torch-model FILE.py:FUNCTION "
                         "(floating-point tier)")
    _check_prec(args.prec)
    _check_out(args.out, args.data, args.network, args.from_point, args.to_point)
    if not args.timeout > 0:
        raise InputError("--timeout must be > 0")
    opts = {"network": load_network(args.network), "start": read_json(args.from_point, "start point"),
            "end": read_json(args.to_point, "end point"), "prec_bits": args.prec, "timeout": args.timeout,
            "max_segments": args.max_segments, "grid": 21 if args.grid is None else args.grid}
    if args.max_distance is not None:
        opts["max_distance"] = args.max_distance
    data = load_dataset(args.data, outputs=_outputs(args))
    _check_outputs(args, data.l)
    net = opts["network"]
    _check_shape(args, data.p, data.l, len(net.inputs), len(net.outputs), "network")
    progress = _progress(args)
    try:
        cert = verify("cooper-connected", data, progress=progress, **opts)
    finally:
        progress.close()
    if args.out:
        cert.write(args.out)
    if args.json:
        _print_json(_cert_envelope(command, cert.to_json(), args.out))
    else:
        print(cert.summary())
        if args.out:
            print(f"  certificate {args.out}")
    return EXIT_OK if cert.status == "verified" else EXIT_NOT_VERIFIED


def _connect_float(args, command: str) -> int:
    """verifier connect --torch-model (or --torch --network): cooper-connected in the floating-point tier."""
    if bool(args.torch_model) == bool(args.network):
        raise InputError("give either --torch-model FILE.py:FUNCTION or --torch with --network NET.json")
    if args.grid:
        raise InputError("--grid (segment-loss) belongs to the rigorous tier: the floating-point tier does not "
                         "enclose the forward pass, so it states no loss enclosure")
    if not args.timeout > 0 or not 1 <= args.max_segments <= 20000:
        raise InputError("--timeout must be > 0 and --max-segments between 1 and 20000")
    if not (args.from_point and args.to_point):
        raise InputError("cooper-connected needs --from W0 and --to W1")
    _check_out(args.out, args.data, args.network, args.from_point, args.to_point, args.torch_model and
               args.torch_model.rsplit(":", 1)[0])
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError(f"the floating-point tier needs torch: {install_hint('torch')}") from None
    from .checker.format import FLOAT_TIER
    from .theorems import verify
    from .torch_backend.instance import load_data
    X, Y = load_data(args.data, outputs=_outputs(args))
    _check_outputs(args, Y.shape[1])
    arrays_name = (os.path.splitext(os.path.basename(args.out))[0] if args.out else "certificate") + ".arrays.npz"
    opts = {"tier": FLOAT_TIER, "start": args.from_point, "end": args.to_point, "timeout": args.timeout,
            "max_segments": args.max_segments, "arrays_name": arrays_name}
    if args.torch_model:
        opts["torch_model"] = args.torch_model
    else:
        opts["network"] = args.network
    if args.max_distance is not None:
        opts["max_distance"] = args.max_distance
    progress = _progress(args)
    try:
        cert = verify("cooper-connected", (X, Y), progress=progress, **opts)
    finally:
        progress.close()
    arrays_path = cert.write(args.out) if args.out else None
    if args.json:
        _print_json(_cert_envelope(command, cert.to_json(), args.out, files=[arrays_path] if arrays_path else [],
                                   result={"arrays": arrays_path}))
    else:
        print(cert.summary())
        if args.out:
            print(f"  certificate {args.out}   arrays {arrays_path}")
    return EXIT_OK if cert.status == "verified" else EXIT_NOT_VERIFIED


def _verify_torch(args) -> int:
    """verify cooper-2.1/2.3 with the torch backend (floating-point tier)."""
    if args.theorem not in ("cooper-2.1", "cooper-2.3"):
        raise InputError(f"the torch backend verifies cooper-2.1 and cooper-2.3, not {args.theorem}")
    if bool(args.torch_model) == bool(args.network):
        raise InputError("give either --torch-model FILE.py:FUNCTION or --torch with --network NET.json")
    if args.steps < 0 or args.optimizer_steps < 0 or not args.tol >= 0 or not args.lr > 0:
        raise InputError("--steps and --optimizer-steps must be >= 0, --tol >= 0 and --lr > 0")
    if args.optimizer_steps and not args.optimizer:
        raise InputError("--optimizer-steps needs --optimizer adam|sgd|lbfgs")
    _check_out(args.out, args.data, args.network, args.point)
    doc, w0, X, Y = _torch_instance(args)
    from .torch_backend.instance import check_device
    from .theorems.cooper_float import verify_at_scale
    check_device(args.device)
    arrays_name = (os.path.splitext(os.path.basename(args.out))[0] if args.out else "certificate") + ".arrays.npz"
    progress = _progress(args)
    try:
        cert = verify_at_scale(args.theorem, doc, w0, X, Y, arrays_name=arrays_name, steps=args.steps, tol=args.tol,
                               optimizer=args.optimizer, optimizer_steps=args.optimizer_steps, lr=args.lr,
                               device=args.device, progress=progress, seed=args.seed)
    finally:
        progress.close()
    arrays_path = cert.write(args.out) if args.out else None
    if args.json:
        doc = cert.to_json()
        _print_json(_cert_envelope("verify", doc, args.out, files=[arrays_path] if arrays_path else [], result={
            "arrays": arrays_path, "gauss_newton_max_abs_H": doc["extra"].get("gauss_newton_max_abs_H")}))
    else:
        print(cert.summary())
        if args.out:
            print(f"  certificate {args.out}   arrays {arrays_path}")
    return EXIT_OK if cert.status == "verified" else EXIT_NOT_VERIFIED


def _torch_instance(args):
    """(model document, start weights, X, Y) from --torch-model or --network [--point], and --data."""
    if bool(args.torch_model) == bool(args.network):
        raise InputError("give either --torch-model FILE.py:FUNCTION or --network NET.json")
    try:
        import torch  # noqa: F401
    except ImportError:
        raise InputError(f"the torch backend needs torch: {install_hint('torch')}; for the CPU build, "
                         "pip install torch==2.13.0 first") from None
    from .torch_backend.instance import load_instance
    doc, w0, X, Y = load_instance(data=args.data, torch_model=args.torch_model, network=args.network,
                                  point=args.point, outputs=_outputs(args), seed=args.seed)
    _check_outputs(args, Y.shape[1])
    return doc, w0, X, Y


def cmd_spectrum(args) -> int:
    """The Hessian spectrum at a point near M: 2K in full, ||S|| by Lanczos, Weyl's counts."""
    if args.lanczos_steps < 1 or args.optimizer_steps < 0 or not 0 < args.delta < 1 or not args.lr > 0:
        raise InputError("--lanczos-steps must be >= 1, --optimizer-steps >= 0, 0 < --delta < 1 and --lr > 0")
    if args.optimizer_steps and not args.optimizer:
        raise InputError("--optimizer-steps needs --optimizer adam|sgd|lbfgs")
    if args.point and not args.network:
        raise InputError("--point goes with --network")
    _check_out(args.out, args.data, args.network, args.point)
    _check_out(args.figure, args.data, args.network, args.point)
    if args.out and args.figure and os.path.abspath(args.out) == os.path.abspath(args.figure):
        raise InputError("--out and --figure name the same file")
    if args.figure:
        from .figures import figures_available
        if not figures_available():
            raise InputError(f"--figure needs matplotlib: {install_hint('plots')}")
    doc, w0, X, Y = _torch_instance(args)
    from .torch_backend.instance import spectrum_report
    progress = _progress(args)
    try:
        out = spectrum_report(doc, w0, X, Y, device=args.device, optimizer=args.optimizer,
                              optimizer_steps=args.optimizer_steps, lr=args.lr, lanczos_steps=args.lanczos_steps,
                              seed=args.seed, delta=args.delta, progress=progress)
    finally:
        progress.close()
    svg = None
    if args.figure:                      # drawn before anything is written: a failure leaves no file
        from .figures import spectrum_off_M_figure
        svg = spectrum_off_M_figure(out).svg
    if args.out:
        from .certificate import write_json_atomic
        write_json_atomic(args.out, out)
    if svg is not None:
        from .certificate import write_text_atomic
        write_text_atomic(args.figure, svg)
    if args.json:
        files = [f for f in (args.out, args.figure) if f]
        _print_json(envelope("spectrum", status="ok", tier=out["tier"], files=files, result=out))
        return EXIT_OK
    mu = out["gram_eigenvalues"]
    print(f"Hessian spectrum  {out['network']}, n = {out['n']}, l*d = {out['m']}   [{out['tier']}]")
    print(f"  loss        L = {out['loss']:.4g}, ||H|| = {out['residual_norm']:.4g}")
    print(f"  2 J J^T     {len(mu)} eigenvalues in [{mu[0]:.4g}, {mu[-1]:.4g}] (all listed with --json/--out)")
    bound = out["second_part_norm_bound"]
    steps = out["lanczos_steps"]
    asked = out.get("lanczos_steps_requested", steps)
    steps_text = f"{steps} steps" + (f" = n, not the {asked} asked for" if asked > steps else "")
    print(f"  ||S||_2     >= {out['second_part_norm_lower']:.4g} (Lanczos, {steps_text}), "
          + (f"<= {bound:.4g} with probability >= {out['second_part_bound_confidence']:g}" if bound is not None
             else "no upper bound from this many steps (take more --lanczos-steps)"))
    lo, hi = (v if v is not None else (-math.inf if i == 0 else math.inf)
              for i, v in enumerate(out["near_zero_interval"]))
    print(f"  Weyl        {out['n_positive']} eigenvalues certainly positive; {out['n_near_zero']} in "
          f"[{lo:.3g}, {hi:.3g}] (may be zero or negative); none proven negative")
    if args.out:
        print(f"  numbers     {args.out}")
    if args.figure:
        print(f"  figure      {args.figure}")
    return EXIT_OK


class _SweepProgress:
    """Counts by status: a tqdm bar on a terminal, else a line on stderr at most every 10 s and at the end."""

    def __init__(self, enabled: bool):
        self.bar, self.enabled, self.last = None, enabled, 0.0
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=0, file=sys.stderr, unit="instance", leave=True)

    def __call__(self, done, total, counts):
        import time
        text = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.set_postfix_str(text)
            self.bar.refresh()
        elif self.enabled and (time.monotonic() - self.last > 10 or done == total):
            self.last = time.monotonic()
            print(f"sweep: {done}/{total} done ({text or 'none yet'})", file=sys.stderr)

    def dashboard(self, link):
        if self.enabled:
            print(f"sweep: Dask dashboard {link}", file=sys.stderr)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def cmd_sweep(args) -> int:
    from .sweep import sweep
    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise InputError(f"--workers {args.workers}: must be in 1..1024")
    if args.in_process and (args.scheduler or args.workers):
        raise InputError("--in-process runs here: it takes no --scheduler or --workers")
    bar = _SweepProgress(not args.quiet and (args.verbose or not args.json))
    try:
        frame = sweep(args.spec, args.out, client="in-process" if args.in_process else None,
                      scheduler=args.scheduler, workers=args.workers, progress=bar,
                      retry_inconclusive=args.retry_inconclusive)
    finally:
        bar.close()
    counts = {str(k): int(v) for k, v in frame["status"].value_counts().items()} if len(frame) else {}
    lost = frame.attrs.get("lost", [])
    status = "complete" if not lost else "incomplete"
    table = os.path.join(args.out, "results.parquet")
    if args.json:
        rows = json.loads(frame.to_json(orient="records"))
        _print_json(envelope("sweep", status=status, theorem=str(frame["theorem"].iloc[0]) if len(frame) else None,
                             reason=f"{len(lost)} instance(s) lost with their workers; run again to finish"
                             if lost else "", counts=counts, files=[table],
                             timings={"total": round(float(frame["task_seconds"].sum()), 3)} if len(frame) else {},
                             result={"store": args.out, "instances": frame.attrs.get("total", len(frame)),
                                     "rows": rows, "lost": [k for k, _ in lost]}))
    else:
        from .sweep.summary import summary_text
        print(summary_text(frame))
        print(f"results  {table}   (verifier report {args.out} --format html --out sweep.html)")
        if lost:
            print(f"{len(lost)} instance(s) were lost with their workers; run the same command again to finish them")
    return EXIT_OK if not lost else EXIT_NOT_VERIFIED


def _check_store(args) -> int:
    from .sweep import check_store
    client = None
    if args.scheduler:
        from distributed import Client
        try:
            client = Client(args.scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
    try:
        res = check_store(args.certificate, client=client)
    finally:
        if client is not None:
            client.close()
    bad = len(res["failed"]) + len(res["tampered"])
    if args.json:
        _print_json(envelope("check", status="verified" if not bad else "inconclusive",
                             reason=f"{bad} stored entr{'y' if bad == 1 else 'ies'} failed" if bad else "",
                             counts={"accepted": res["ok"], "rejected": len(res["failed"]),
                                     "tampered": len(res["tampered"])}, certificate=args.certificate,
                             result={"failed": [{"certificate": p, "problem": m} for p, m in res["failed"]],
                                     "tampered": res["tampered"]}))
    else:
        print(f"checked {res['total']} certificates in {args.certificate}: {res['ok']} accepted, "
              f"{len(res['failed'])} rejected, {len(res['tampered'])} damaged or altered entries")
        for p, m in res["failed"]:
            print(f"  REJECTED {p}: {m}")
        for k in res["tampered"]:
            print(f"  DAMAGED  {k}: the certificate no longer matches its row (a sweep run recomputes it)")
    return EXIT_OK if not bad else EXIT_NOT_VERIFIED


def cmd_check(args) -> int:
    from .checker import check_certificate
    if os.path.isdir(args.certificate):
        from .sweep import is_store
        if not is_store(args.certificate):
            raise InputError(f"{args.certificate} is a folder but not a sweep results folder (no sweep.json)")
        return _check_store(args)
    if args.scheduler:
        raise InputError("--scheduler goes with a sweep results folder")
    cert = _load_cert(args.certificate)
    rep = check_certificate(cert, base_dir=os.path.dirname(os.path.abspath(args.certificate)))
    if args.json:
        results = list(getattr(rep, "results", None) or [])
        problems = [line.split("problem: ", 1)[1] for line in rep.lines if line.strip().startswith("problem: ")]
        counts = {"verified": 0, "refuted": 0, "inconclusive": 0}
        for r in results:
            counts[r["checked"]] = counts.get(r["checked"], 0) + 1
        theorem = cert.get("theorem") if isinstance(cert.get("theorem"), str) else None
        _print_json(envelope("check", status=rep.status, theorem=theorem, tier=cert.get("tier", "rigorous"),
                             reason="; ".join(problems) or (cert.get("reason") if rep.status != "verified" else ""),
                             counts=counts, certificate=args.certificate, timings={"check": round(rep.seconds, 3)},
                             result={"ok": rep.ok, "header": rep.header, "claims": results, "problems": problems}))
    else:
        print(rep.text())
    return EXIT_OK if rep.ok else EXIT_NOT_VERIFIED


def _report_paths(args, stem, *inputs):
    """(report file or None, figures folder or None) of ``verifier report``: --out FOLDER gives
    FOLDER/STEM.md or .html; html needs --out; md with --out draws its figures into OUT-figures/."""
    out = args.out
    if out is not None and os.path.isdir(out):
        out = os.path.join(out, stem + "." + args.format)
    if args.format in ("html", "pdf") and out is None:
        raise InputError(f"--format {args.format} needs --out FILE.{args.format} or --out FOLDER")
    if args.figures is True and (args.format != "md" or out is None):
        raise InputError("--figures goes with --format md and --out FILE.md (html pages carry their figures inline)")
    _check_out(out, *inputs)
    figures_dir = os.path.splitext(out)[0] + "-figures" if args.format == "md" and out is not None \
        and not args.no_figures else None
    if figures_dir is not None and os.path.exists(figures_dir) and not os.path.isdir(figures_dir):
        raise InputError(f"cannot write figures into {figures_dir}: it exists and is not a folder")
    return out, figures_dir


def cmd_report(args) -> int:
    from .certificate import write_bytes_atomic, write_text_atomic
    from .report import html_report, markdown_report
    if os.path.isdir(args.certificate):
        # A sweep results folder (verifier sweep SPEC --out DIR): counts, tables and figures of the whole family.
        from .sweep import is_store
        from .sweep.report import render_sweep_report
        folder = args.certificate
        if not is_store(folder):
            raise InputError(f"{folder} is a folder but not a sweep results folder (no sweep.json)")
        if isinstance(args.figures, str):
            raise InputError("--figures DIR (PNG and PDF figures) goes with a certificate, not a sweep results folder")
        if args.format == "pdf":
            raise InputError("--format pdf goes with a certificate; a sweep results folder's report is md or html")
        out, figures_dir = _report_paths(args, os.path.basename(os.path.normpath(os.path.abspath(folder))) or "sweep")
        rep = render_sweep_report(folder, args.format, figures_dir=figures_dir,
                                  link_base=os.path.dirname(os.path.abspath(out)) if figures_dir else None)
        if out:
            write_text_atomic(out, rep.text)
        if args.json:
            doc = {"format": args.format, "report": out, "store": folder, "instances": rep.instances}
            if args.format == "md":
                doc["markdown"] = rep.text
                doc["figures"] = rep.figures
            _print_json(envelope("report", status="ok", theorem=rep.theorem, counts=rep.counts, certificate=None,
                                 files=([out] if out else []) + rep.figures, result=doc))
        elif not out:
            print(rep.text)
        else:
            print(f"report {out}" + (f"   figures {figures_dir}" if rep.figures else ""))
        return EXIT_OK
    cert = _load_cert(args.certificate)
    export_dir = args.figures if isinstance(args.figures, str) else None
    if export_dir is not None:
        if args.out is None and args.format == "html":
            args.format = "md"                     # only the figures: no page is written
        if os.path.exists(export_dir) and not os.path.isdir(export_dir):
            raise InputError(f"--figures {export_dir}: it exists and is not a folder")
        if not os.path.isdir(os.path.dirname(os.path.abspath(export_dir))):
            raise InputError(f"--figures {export_dir}: its parent folder does not exist")
        from .figures import figures_available
        if not figures_available():
            raise InputError(f"--figures needs matplotlib: {install_hint('plots')}")
    if args.format == "pdf":
        from .figures import figures_available
        if not figures_available():
            raise InputError(f"--format pdf needs matplotlib: {install_hint('plots')}")
    out, figures_dir = _report_paths(args, os.path.splitext(os.path.basename(args.certificate))[0] or "report",
                                     args.certificate)
    exported, blobs = [], []
    if export_dir is not None:
        from .figures import render_exports, write_exports
        from .report import figures_of
        figs, why = figures_of(cert)
        if not figs:
            raise InputError(f"{args.certificate}: no figures to write ({why})")
        blobs = render_exports(figs, export_dir)          # rendered before anything is written
        if out is None:
            exported = write_exports(blobs)
            if args.json:
                _print_json(envelope("report", status=str(cert.get("status")), theorem=cert.get("theorem"),
                                     tier=cert.get("tier", "rigorous"), reason=cert.get("reason") or "",
                                     certificate=args.certificate, files=exported,
                                     result={"format": None, "report": None, "figures": exported}))
            else:
                print(f"figures {export_dir}: " + ", ".join(os.path.basename(f) for f in exported))
            return EXIT_OK
    pages = None
    try:
        base_dir = os.path.dirname(os.path.abspath(args.certificate))
        if args.format == "pdf":
            from .report import render_pdf
            text, pages = render_pdf(cert, base_dir=base_dir, paper=args.paper)
        elif args.format == "html":
            text = html_report(cert, base_dir=base_dir)
        else:
            text = markdown_report(cert, figures_dir=figures_dir, base_dir=base_dir,
                                   link_base=os.path.dirname(os.path.abspath(out)) if figures_dir else None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{args.certificate} is not a well-formed certificate ({type(exc).__name__})") from None
    if blobs:
        exported = write_exports(blobs)
    if out and args.format == "pdf":
        write_bytes_atomic(out, text)
    elif out:
        write_text_atomic(out, text)
    if args.json:
        doc = {"format": args.format, "report": out}
        if pages is not None:
            doc["pages"] = pages
        figures = []
        if args.format == "md":
            doc["markdown"] = text
            if figures_dir is not None:
                figures = sorted(os.path.join(figures_dir, f) for f in os.listdir(figures_dir)
                                 if f.endswith(".svg")) if os.path.isdir(figures_dir) else []
                doc["figures"] = figures
        claims = cert.get("claims") if isinstance(cert.get("claims"), list) else []
        doc["figures"] = figures + exported
        _print_json(envelope("report", status=str(cert.get("status")), theorem=cert.get("theorem"),
                             tier=cert.get("tier", "rigorous"), reason=cert.get("reason") or "",
                             counts=_claim_counts([c for c in claims if isinstance(c, dict) and "status" in c]),
                             certificate=args.certificate, files=([out] if out else []) + figures + exported,
                             result=doc))
    elif not out:
        print(text)
    else:
        print(f"report {out}" + (f"   figures {figures_dir}" if figures_dir and os.path.isdir(figures_dir) else "")
              + (f"   PNG/PDF figures {export_dir}" if exported else ""))
    return EXIT_OK


def cmd_demo(args) -> int:
    from .demo import run_demo
    return run_demo(args.out_dir, as_json=args.json)


# --------------------------------------------------------------------------- landscape (experiments)


def _add_landscape_parser(sub):
    la = sub.add_parser("landscape", help="landscape experiments: training runs with perturbation branches, MDS and "
                        "PCA trajectories, interpolation, filter-normalised surfaces, spectra; endpoints certified")
    la.add_argument("--task", help="a built-in task instead of --network/--data: teacher, random-labels or digits "
                    "(scikit-learn's bundled digits, no download)")
    la.add_argument("--network", help="network JSON (smooth activations)")
    la.add_argument("--data", help="dataset (.csv, .json, .npy)")
    la.add_argument("--outputs", type=int, default=1, help="number l of target columns of --data (default 1)")
    la.add_argument("--runs", type=int, default=8, help="training runs (default 8)")
    la.add_argument("--branches", type=int, default=2, help="perturbation branches per run (default 2)")
    la.add_argument("--steps", type=int, default=1000, help="full-batch Adam steps per run (default 1000)")
    la.add_argument("--branch-at", type=int, help="step at which the branches start (default --steps / 2)")
    la.add_argument("--noise", type=float, default=0.25, help="branch noise: this times each layer's standard "
                    "deviation (default 0.25)")
    la.add_argument("--lr", type=float, default=1e-2, help="Adam's learning rate (default 1e-2)")
    la.add_argument("--grid", type=int, default=21, help="grid points per side of the loss planes (default 21)")
    la.add_argument("--points", type=int, help="with --task: number of data points (default 24, digits 300)")
    la.add_argument("--connect-timeout", type=float, default=60.0, help="seconds per cooper-connected attempt (default %(default)s)")
    la.add_argument("--no-certify", action="store_true", help="do not certify the endpoints")
    la.add_argument("--threads", type=int, default=1, help="torch threads (default 1: fastest for small networks)")
    la.add_argument("--seed", type=int, default=0, help="seed of starts, noise and directions (default 0)")
    la.add_argument("--out", required=True, help="folder for report.html, landscape.json, figures/, certificates/")
    la.add_argument("--json", action="store_true", help="print one JSON summary")
    la.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def cmd_landscape(args) -> int:
    """The landscape experiments (verifier.landscape.experiments.run_landscape) into --out."""
    import time
    from .landscape.experiments import run_landscape
    if (args.task is None) == (args.network is None and args.data is None):
        raise InputError("give either --task NAME or --network NET.json with --data PTS.csv")
    if args.points is not None and (args.task is None or not 2 <= args.points <= 5000):
        raise InputError("--points goes with --task and must be between 2 and 5000")
    for path in (args.network, args.data):
        if path and not os.path.isfile(path):
            raise InputError(f"cannot read {path}: no such file")
    last = [0.0]

    def say(text):
        if not args.quiet and (time.monotonic() - last[0] > 1.0 or "step" not in text):
            last[0] = time.monotonic()
            print(f"landscape: {text}", file=sys.stderr, flush=True)
    res = run_landscape(task=args.task, network=args.network, data=args.data, outputs=args.outputs, runs=args.runs,
                        branches=args.branches, steps=args.steps, branch_at=args.branch_at, noise=args.noise,
                        lr=args.lr, seed=args.seed, grid=args.grid, points=args.points,
                        certify=not args.no_certify, connect_timeout=args.connect_timeout, out=args.out,
                        threads=args.threads, progress=say)
    eps = res["endpoints"]
    cert = sum(1 for ep in eps if ep["certificate"].get("certified"))
    reached = sum(1 for ep in eps if ep["reached_M"])
    summary = {"description": res["description"], "network": res["network"], "n": res["n"], "d": res["d"],
               "l": res["l"], "endpoints": len(eps), "reached_M": reached, "certified": cert,
               "connect": [{k: c[k] for k in ("a", "b", "status")} for c in res["connect"]],
               "report": os.path.join(args.out, "report.html"), "numbers": os.path.join(args.out, "landscape.json")}
    if args.json:
        _print_json(envelope("landscape", status="ok", files=res["files"], timings=res["timings_s"],
                             result=summary))
        return EXIT_OK
    print(f"landscape  {res['description']}")
    print(f"  network    {res['network']}: n = {res['n']}, l*d = {res['m']}")
    print(f"  endpoints  {len(eps)}: {reached} reached M, {cert} certified (cooper-2.3, re-checked)")
    print("  connect    " + (", ".join(f"{c['a']}-{c['b']}: {c['status']}" for c in res["connect"]) or "none tried"))
    print(f"  report     {summary['report']}   numbers {summary['numbers']}")
    return EXIT_OK


_COMMANDS = {"theorems": cmd_theorems, "verify": cmd_verify, "check": cmd_check, "report": cmd_report,
             "demo": cmd_demo, "solve": cmd_solve, "degree": cmd_degree, "critical-points": cmd_critical_points,
             "spectrum": cmd_spectrum, "sweep": cmd_sweep, "doctor": cmd_doctor, "connect": cmd_connect,
             "landscape": cmd_landscape}
