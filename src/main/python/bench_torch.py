#!/usr/bin/python3
"""Run rnn4j's benchmark set through PyTorch (CPU or CUDA) and write the same JSON as ``rnn4j bench --json``.

What it measures
----------------
The fixed benchmark set (every case float32, ``batch_first=True``, no projection, PyTorch's default
init under ``torch.manual_seed(0)``, zero initial state, input ``randn(N, T, I)``):

====  ========  =====  =====  ===  =====  ====  ====
id    mode      I      H      L    bidir  N     T
====  ========  =====  =====  ===  =====  ====  ====
S1    RNN_TANH  1      2      1    no     4     5
S2    LSTM      32     64     1    no     32    50
S3    LSTM      256    256    2    no     64    100
S4    LSTM      256    256    2    yes    64    100
S5    GRU       256    256    2    no     64    100
C1    LSTM      128    128    1    no     1     100
C2    LSTM      256    256    1    no     1     1
C3    LSTM      256    256    1    no     32    50
C4    LSTM      512    512    1    no     64    100
C5    GRU       256    256    2    no     32    100
C6    RNN_TANH  512    512    1    no     64    100
C7    LSTM      64     128    2    yes    16    200
C8    LSTM      1024   1024   1    no     16    25
====  ========  =====  =====  ===  =====  ====  ====

plus G1..G13, the GPU matrix (``dev.rnn4j.bench.BenchSuite`` lists them), for ``--device cuda``, and
L1..L12, the loop grid: ``LSTM(1, H)`` forecasters of one input column with H 32, 256 and 1024, N 32 and
256, T 24 and 100, numbered with T fastest, then N, then H (L1: H 32, N 32, T 24; L2: T 100; L3: N 256,
T 24; ...; L12: H 1024, N 256, T 100). (C1..C8 are the CPU matrix of ``shared/notes/performance-anchors.md``
§4.)

On ``--device cuda`` the module and input live on ``cuda:0``, every timed call ends with
``torch.cuda.synchronize()`` (so a call's time is its GPU time, as rnn4j's), and ``--tf32 on|off`` sets
``torch.backends.cudnn.allow_tf32`` and ``torch.backends.cuda.matmul.allow_tf32`` (default off: plain
float32, as rnn4j's default math). ``device`` in the JSON is then ``cuda:0`` and ``impl`` names the GPU, CUDA,
cuDNN and the TF32 setting.

Phases (``--phases``, default ``forward,train_step``), named as rnn4j's ``bench --phases`` names them:

* ``forward``: ``module.eval()``, ``out, _ = module(x)`` under ``torch.no_grad()``, ``x`` on the device.
* ``train_step``: ``module.train()`` (dropout is 0, so this changes no numbers), ``x.requires_grad_()``,
  ``out, _ = module(x)``, ``out.sum().backward()``: gradients to the input and to every weight, no
  optimizer. Gradients are reset (``set_to_none``) between calls, outside the timed region.
* ``loop``: a user's training step, the batch ``x`` and a target ``randn(N, 1)`` already on the device,
  on a new model (``torch.manual_seed(seed)``): the case's module and ``nn.Linear(D * H_out, 1)`` on the
  last step (``head(out[:, -1])``, rnn4j's many-to-one ``SequenceModel``), ``model.train()``,
  ``loss = F.mse_loss(model(x), target)``, ``loss.backward()``,
  ``torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)``, ``torch.optim.Adam(lr=1e-3)``'s
  ``step()``, ``zero_grad(set_to_none=True)`` (2.x's default), and ``loss.item()`` every 10th step
  (counted from the first call, warm-up included). Adam takes PyTorch's default implementation for the
  device (``foreach`` on CUDA).
* ``forward_host``: ``module.eval()`` on the device, ``x`` on the host: under ``torch.no_grad()``,
  ``out, h = module(x.to(device))`` and ``.cpu()`` of ``out`` and of every state tensor, the results
  rnn4j's ``forward`` of a host tensor returns on the host. On the CPU it is ``forward``.

``flatten_parameters()`` is called once after construction. Each phase: the first call is timed on its own
(``first_ms``, cold start; it also counts as warm-up), further warm-up calls run until ``--warmup-seconds``
have passed since the phase began, then timed calls run until at least ``--repetitions`` calls AND
``--min-seconds`` of timed calls are done (at most ``--max-repetitions``). Every call is timed alone with
``time.perf_counter_ns``. Reported: median, p10, p90 (linear interpolation between order statistics, as
numpy's default), min, first call, repetitions.

FLOP convention (notes §1, "full"): per layer and direction ``F_l = 2*G*H*(I_l + H_out)*N*T``
(+ ``2*P*H*N*T`` with a projection), ``F = D * sum_l F_l``, G = 4 (LSTM), 3 (GRU), 1 (RNN),
I_0 = input size, I_l = D*H_out for l >= 1. ``forward`` and ``forward_host`` GFLOP/s = F / median;
``train_step`` and ``loop`` = 3F / median (the loop's head, loss, clipping and Adam are not counted:
``dev.rnn4j.bench.Flops`` says why).

JSON (``--json FILE``): an array with one object per (case, phase) and the keys ``id, phase, median_ms,
p10_ms, p90_ms, min_ms, first_ms, reps, gflops, threads, device ("cpu" or "cuda:0"), dtype ("float32"),
impl ("pytorch <torch.__version__>"), config {mode, input_size, hidden_size, num_layers, bidirectional,
batch, seq, batch_first, proj_size}``, plus the extras ``gflop_per_call``, ``flop_convention``,
``interop_threads`` and ``mean_ms``. The file is rewritten after every phase, so an interrupted run keeps
what it finished.

How to run
----------
    /usr/bin/python3 src/main/python/bench_torch.py --set S --threads 2 --json /tmp/torch-S.json
    /usr/bin/python3 src/main/python/bench_torch.py --set C --threads 1 --json /tmp/torch-C-1t.json
    /usr/bin/python3 src/main/python/bench_torch.py --only S2,C3 --phases forward
    python3 src/main/python/bench_torch.py --only L1,L5 --phases loop,forward_host --threads 2
    python3 src/main/python/bench_torch.py --device cuda --set G --tf32 off --json /tmp/torch-G.json

Needs only PyTorch (any version; LSTM ``proj_size`` needs >= 1.8). Debian's ``python3-torch`` 1.13 (generic
BLAS, no oneDNN LSTM path) is roughly 60x slower than PyTorch 2.x on LSTMs: a numerical oracle, not a
speed anchor (notes §5). Say which build produced the numbers; this script prints it.
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time

import torch

FLOP_CONVENTION = ("full: F = D*sum_l 2*G*H*(I_l+H_out)*N*T (+2*P*H*N*T); "
                   "forward and forward_host F/t, train_step and loop 3F/t")

# The loop's settings, as dev.rnn4j.bench.BenchRunner's LOOP_* constants.
LOOP_OUT_FEATURES = 1
LOOP_LR = 1e-3
LOOP_CLIP_NORM = 1.0
LOSS_READ_INTERVAL = 10


def _case(case_id, mode, input_size, hidden_size, num_layers, bidirectional, batch, seq, proj_size=0):
    return {
        "id": case_id,
        "mode": mode,
        "input_size": input_size,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "bidirectional": bidirectional,
        "batch": batch,
        "seq": seq,
        "batch_first": True,
        "proj_size": proj_size,
    }


CASES = [
    _case("S1", "RNN_TANH", 1, 2, 1, False, 4, 5),
    _case("S2", "LSTM", 32, 64, 1, False, 32, 50),
    _case("S3", "LSTM", 256, 256, 2, False, 64, 100),
    _case("S4", "LSTM", 256, 256, 2, True, 64, 100),
    _case("S5", "GRU", 256, 256, 2, False, 64, 100),
    _case("C1", "LSTM", 128, 128, 1, False, 1, 100),
    _case("C2", "LSTM", 256, 256, 1, False, 1, 1),
    _case("C3", "LSTM", 256, 256, 1, False, 32, 50),
    _case("C4", "LSTM", 512, 512, 1, False, 64, 100),
    _case("C5", "GRU", 256, 256, 2, False, 32, 100),
    _case("C6", "RNN_TANH", 512, 512, 1, False, 64, 100),
    _case("C7", "LSTM", 64, 128, 2, True, 16, 200),
    _case("C8", "LSTM", 1024, 1024, 1, False, 16, 25),
    _case("G1", "LSTM", 512, 512, 1, False, 64, 100),
    _case("G2", "LSTM", 1024, 1024, 1, False, 64, 25),
    _case("G3", "LSTM", 2048, 2048, 1, False, 128, 25),
    _case("G4", "LSTM", 256, 256, 1, False, 16, 150),
    _case("G5", "GRU", 1024, 1024, 1, False, 32, 1500),
    _case("G6", "GRU", 2048, 2048, 1, False, 32, 375),
    _case("G7", "RNN_TANH", 1760, 1760, 1, False, 16, 50),
    _case("G8", "LSTM", 123, 320, 4, True, 32, 1000),
    _case("G9", "LSTM", 64, 128, 2, True, 32, 1000),
    _case("G10", "LSTM", 512, 512, 2, True, 64, 100),
    _case("G11", "LSTM", 512, 512, 1, False, 1, 1),
    _case("G12", "LSTM", 1024, 1024, 1, False, 1, 25),
    _case("G13", "LSTM", 1024, 1024, 2, False, 256, 128),
] + [
    _case("L%d" % (i + 1), "LSTM", 1, hidden, 1, False, batch, seq)
    for i, (hidden, batch, seq) in enumerate(
        (h, n, t) for h in (32, 256, 1024) for n in (32, 256) for t in (24, 100))
]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
PHASES = ("forward", "train_step", "loop", "forward_host")
FORWARD_MULTIPLE = {"forward": 1, "train_step": 3, "loop": 3, "forward_host": 1}


def forward_flop(cfg):
    """Forward FLOP by the notes' full convention (matrix products only, multiply-add = 2)."""
    g = GATES[cfg["mode"]]
    h = cfg["hidden_size"]
    p = cfg["proj_size"]
    h_out = p if p > 0 else h
    d = 2 if cfg["bidirectional"] else 1
    nt = cfg["batch"] * cfg["seq"]
    total = 0
    for layer in range(cfg["num_layers"]):
        i_l = cfg["input_size"] if layer == 0 else d * h_out
        total += 2 * g * h * (i_l + h_out) * nt
        if p > 0:
            total += 2 * p * h * nt
    return d * total


def build_module(cfg):
    kwargs = dict(input_size=cfg["input_size"], hidden_size=cfg["hidden_size"],
                  num_layers=cfg["num_layers"], bidirectional=cfg["bidirectional"],
                  batch_first=cfg["batch_first"], bias=True)
    mode = cfg["mode"]
    if mode == "LSTM":
        if cfg["proj_size"] > 0:
            kwargs["proj_size"] = cfg["proj_size"]
        module = torch.nn.LSTM(**kwargs)
    elif mode == "GRU":
        module = torch.nn.GRU(**kwargs)
    elif mode in ("RNN_TANH", "RNN_RELU"):
        module = torch.nn.RNN(nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)
    else:
        raise ValueError("unknown mode " + mode)
    module = module.to(dtype=torch.float32)
    if hasattr(module, "flatten_parameters"):
        module.flatten_parameters()
    return module


class LoopModel(torch.nn.Module):
    """rnn4j's many-to-one ``SequenceModel``: the recurrent module and a linear head on the last step."""

    def __init__(self, rnn, out_features):
        super().__init__()
        self.rnn = rnn
        directions = 2 if rnn.bidirectional else 1
        h_out = getattr(rnn, "proj_size", 0) or rnn.hidden_size
        self.head = torch.nn.Linear(directions * h_out, out_features)

    def forward(self, x):
        out, _ = self.rnn(x)  # batch_first: out[:, -1] is every sequence's last step
        return self.head(out[:, -1])


def zero_grads(module):
    try:
        module.zero_grad(set_to_none=True)
    except TypeError:  # very old PyTorch: no set_to_none
        for p in module.parameters():
            p.grad = None


def percentile(sorted_values, q):
    """Linear interpolation between order statistics (numpy's default method)."""
    n = len(sorted_values)
    if n == 1:
        return sorted_values[0]
    pos = (n - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def make_call(cfg, module, x, phase, args):
    """Returns (prepare, call): prepare runs outside the timed region, call is what is timed (and ends with
    ``args.sync()``, which waits for the GPU on cuda)."""
    sync = args.sync
    if phase == "forward":
        module.eval()

        def prepare():
            pass

        def call():
            with torch.no_grad():
                out, _ = module(x)
            sync()
            return out
        return prepare, call

    if phase == "forward_host":
        module.eval()
        x_host = x.cpu()

        def prepare():
            pass

        def call():
            with torch.no_grad():
                out, state = module(x_host.to(args.torch_device))
                states = state if isinstance(state, tuple) else (state,)
                results = [out.cpu()] + [s.cpu() for s in states]
            sync()
            return results
        return prepare, call

    if phase == "loop":
        torch.manual_seed(args.seed)
        model = LoopModel(build_module(cfg), LOOP_OUT_FEATURES).to(args.torch_device)
        model.rnn.flatten_parameters()
        model.train()
        target = torch.randn(cfg["batch"], LOOP_OUT_FEATURES, dtype=torch.float32).to(args.torch_device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LOOP_LR)
        steps = [0]

        def prepare():
            pass

        def call():
            loss = torch.nn.functional.mse_loss(model(x), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), LOOP_CLIP_NORM)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            steps[0] += 1
            if steps[0] % LOSS_READ_INTERVAL == 0:
                loss.item()  # a loop's log line now and then: on cuda a copy that waits for the step
            sync()
            return loss
        return prepare, call

    module.train()
    xg = x.detach().clone().requires_grad_()

    def prepare():
        zero_grads(module)
        xg.grad = None

    def call():
        out, _ = module(xg)
        out.sum().backward()
        sync()
        return out
    return prepare, call


def time_phase(cfg, module, x, phase, args):
    prepare, call = make_call(cfg, module, x, phase, args)
    gc.collect()

    phase_start = time.perf_counter_ns()
    prepare()
    t0 = time.perf_counter_ns()
    call()
    first_ns = time.perf_counter_ns() - t0

    warmup_ns = int(args.warmup_seconds * 1e9)
    while time.perf_counter_ns() - phase_start < warmup_ns:
        prepare()
        call()

    times = []
    timed_total = 0
    min_ns = int(args.min_seconds * 1e9)
    while len(times) < args.max_repetitions and (len(times) < args.repetitions or timed_total < min_ns):
        prepare()
        t0 = time.perf_counter_ns()
        call()
        dt = time.perf_counter_ns() - t0
        times.append(dt)
        timed_total += dt
    prepare()  # release the last gradients

    ms = sorted(t / 1e6 for t in times)
    return {
        "median_ms": statistics.median(ms),
        "p10_ms": percentile(ms, 10),
        "p90_ms": percentile(ms, 90),
        "min_ms": ms[0],
        "mean_ms": statistics.fmean(ms) if hasattr(statistics, "fmean") else statistics.mean(ms),
        "first_ms": first_ns / 1e6,
        "reps": len(ms),
    }


def set_threads(n):
    """Sets intra-op threads (and inter-op where PyTorch still allows it). Returns notes on what failed."""
    notes = []
    if n is None:
        return notes
    try:
        torch.set_num_interop_threads(n)
    except (RuntimeError, AttributeError) as e:  # only settable once, before any inter-op work
        notes.append("set_num_interop_threads(%d) not applied: %s" % (n, str(e).splitlines()[0]))
    torch.set_num_threads(n)
    return notes


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_torch(thread_notes):
    lines = ["PyTorch %s at %s" % (torch.__version__, os.path.dirname(torch.__file__)),
             "Python %s (%s)" % (platform.python_version(), sys.executable),
             "CPU: %s, %s logical CPUs" % (cpu_model(), os.cpu_count())]
    try:
        info = torch.__config__.parallel_info().strip().splitlines()
        lines.append("parallel_info:")
        lines.extend("  " + l.strip() for l in info[:6])
    except Exception as e:  # pragma: no cover - very old versions
        lines.append("parallel_info unavailable: %s" % e)

    def flag(getter):
        try:
            return str(bool(getter()))
        except Exception:
            return "unknown"
    lines.append("MKL available: %s; oneDNN (mkldnn) available: %s; OpenMP available: %s" % (
        flag(lambda: torch.backends.mkl.is_available()),
        flag(lambda: torch.backends.mkldnn.is_available()),
        flag(lambda: torch.backends.openmp.is_available())))
    try:
        for l in torch.__config__.show().splitlines():
            if "BLAS_INFO" in l or "CPU capability" in l:
                for part in l.split(","):
                    part = part.strip(" -")
                    if part.startswith("BLAS_INFO") or part.startswith("CPU capability"):
                        lines.append(part)
    except Exception:
        pass
    lines.append("threads: intra-op %d, inter-op %d" % (torch.get_num_threads(), torch.get_num_interop_threads()))
    lines.extend(thread_notes)
    lines.append("FLOP convention: " + FLOP_CONVENTION)
    lines.append("loop: Linear(D*H_out, %d) head on the last step, F.mse_loss, clip_grad_norm_(%s), "
                 "Adam(lr=%s), zero_grad(set_to_none=True), loss.item() every %d steps" % (
                     LOOP_OUT_FEATURES, LOOP_CLIP_NORM, LOOP_LR, LOSS_READ_INTERVAL))
    return "\n".join(lines)


def config_label(cfg):
    return "%s I=%d H=%d L=%d %s N=%d T=%d%s" % (
        cfg["mode"], cfg["input_size"], cfg["hidden_size"], cfg["num_layers"],
        "bi" if cfg["bidirectional"] else "uni", cfg["batch"], cfg["seq"],
        (" P=%d" % cfg["proj_size"]) if cfg["proj_size"] else "")


def fmt_ms(v):
    if v >= 100:
        return "%.1f" % v
    if v >= 1:
        return "%.3f" % v
    return "%.4f" % v


def fmt_gflops(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 1:
        return "%.2f" % v
    return "%.3g" % v


def print_table(rows, out=sys.stdout):
    headers = ["id", "phase", "config", "median ms", "p10 ms", "p90 ms", "min ms", "first ms", "reps", "GFLOP/s"]
    body = []
    for r in rows:
        body.append([r["id"], r["phase"], config_label(r["config"]), fmt_ms(r["median_ms"]), fmt_ms(r["p10_ms"]),
                     fmt_ms(r["p90_ms"]), fmt_ms(r["min_ms"]), fmt_ms(r["first_ms"]), str(r["reps"]),
                     fmt_gflops(r["gflops"])])
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)]
    left = {0, 1, 2}

    def line(cells):
        return "  ".join(c.ljust(widths[i]) if i in left else c.rjust(widths[i]) for i, c in enumerate(cells))
    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for b in body:
        print(line(b), file=out)


def select_cases(args):
    if args.only:
        wanted = [s.strip().upper() for s in args.only.split(",") if s.strip()]
        by_id = {c["id"]: c for c in CASES}
        unknown = [w for w in wanted if w not in by_id]
        if unknown:
            sys.exit("unknown case id(s): %s (known: %s)" % (", ".join(unknown), ", ".join(by_id)))
        return [by_id[w] for w in wanted]
    s = args.set.upper()
    if s == "ALL":
        return [c for c in CASES if args.device == "cuda" or c["id"][0] not in "GL"]
    return [c for c in CASES if c["id"].startswith(s)]


def parse_args(argv):
    ap = argparse.ArgumentParser(description="PyTorch side of rnn4j's benchmark comparison (CPU or CUDA).")
    ap.add_argument("--set", default="S", type=str.upper, choices=["S", "C", "G", "L", "ALL"],
                    help="case set: S, C, G, L or all (default S; all is S and C, plus G and L on cuda)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cpu or cuda (cuda:0; default cpu)")
    ap.add_argument("--tf32", default="off", choices=["on", "off"],
                    help="on cuda: allow TF32 in cuDNN and matmul (default off)")
    ap.add_argument("--only", default=None, help="comma-separated case ids, e.g. S2,C3 (overrides --set)")
    ap.add_argument("--phases", default="forward,train_step",
                    help="comma-separated: forward, train_step, loop, forward_host "
                         "(default forward,train_step)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads (and set_num_interop_threads where allowed); default: torch's")
    ap.add_argument("--json", default=None, help="write the results here (rewritten after every phase)")
    ap.add_argument("--repetitions", type=int, default=3, help="minimum timed calls per phase (default 3)")
    ap.add_argument("--min-seconds", type=float, default=1.5,
                    help="keep timing until this many seconds of timed calls (default 1.5)")
    ap.add_argument("--max-repetitions", type=int, default=10000, help="cap on timed calls (default 10000)")
    ap.add_argument("--warmup-seconds", type=float, default=1.0,
                    help="warm-up time per phase, first call included (default 1.0)")
    ap.add_argument("--serve", action="store_true",
                    help="answer JSON requests on stdin, one row each (rnn4j bench --compare; CPU only)")
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for weights and input (default 0)")
    args = ap.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    for p in phases:
        if p not in PHASES:
            ap.error("unknown phase %r (known: %s)" % (p, ", ".join(PHASES)))
    args.phase_list = phases
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: torch.cuda.is_available() is False (torch %s, built for CUDA %s)" % (
            torch.__version__, torch.version.cuda))
    if args.repetitions < 1 or args.max_repetitions < args.repetitions:
        ap.error("need 1 <= --repetitions <= --max-repetitions")
    if args.threads is not None and args.threads < 1:
        ap.error("--threads must be >= 1")
    return args


def write_json(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def build_case(cfg, args):
    """The case's module (PyTorch's init under ``manual_seed(args.seed)``) and input, on the device."""
    torch.manual_seed(args.seed)
    module = build_module(cfg).to(args.torch_device)
    x = torch.randn(cfg["batch"], cfg["seq"], cfg["input_size"], dtype=torch.float32).to(args.torch_device)
    if hasattr(module, "flatten_parameters"):
        module.flatten_parameters()
    return module, x


def measure(cfg, module, x, phase, args, impl, threads):
    """One phase of one case, timed by ``time_phase``: the JSON row of ``--json``."""
    stats = time_phase(cfg, module, x, phase, args)
    flop = FORWARD_MULTIPLE[phase] * forward_flop(cfg)
    device = args.torch_device
    return {
        "id": cfg["id"],
        "phase": phase,
        "median_ms": stats["median_ms"],
        "p10_ms": stats["p10_ms"],
        "p90_ms": stats["p90_ms"],
        "min_ms": stats["min_ms"],
        "first_ms": stats["first_ms"],
        "reps": stats["reps"],
        "gflops": flop / (stats["median_ms"] * 1e6),
        "threads": threads,
        "device": str(device) if device.type == "cuda" else "cpu",
        "dtype": "float32",
        "impl": impl,
        "config": dict((k, cfg[k]) for k in ("mode", "input_size", "hidden_size", "num_layers",
                                             "bidirectional", "batch", "seq", "batch_first",
                                             "proj_size")),
        "mean_ms": stats["mean_ms"],
        "gflop_per_call": flop / 1e9,
        "flop_convention": FLOP_CONVENTION,
        "interop_threads": torch.get_num_interop_threads(),
    }


def serve(args, impl, description):
    """``--serve``: the PyTorch side of ``rnn4j bench --compare`` (live), which starts this script and
    alternates with it round by round. stdout carries only JSON lines: first ``{"ready": true, "impl",
    "threads", "description"}``, then one row per request. A request is one line ``{"id", "phase",
    "warmup_seconds", "min_seconds", "repetitions"}``; each gets a new module and input, as each of
    rnn4j's measurements does. End of input ends the server."""
    by_id = {c["id"]: c for c in CASES}
    threads = torch.get_num_threads()
    print(json.dumps({"ready": True, "impl": impl, "threads": threads, "description": description}))
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        cfg = by_id[request["id"]]
        args.warmup_seconds = float(request["warmup_seconds"])
        args.min_seconds = float(request["min_seconds"])
        args.repetitions = int(request["repetitions"])
        module, x = build_case(cfg, args)
        row = measure(cfg, module, x, request["phase"], args, impl, threads)
        del module, x
        print(json.dumps(row))
        sys.stdout.flush()
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    thread_notes = set_threads(args.threads)
    if args.serve:
        args.torch_device = torch.device("cpu")
        args.sync = lambda: None
        return serve(args, "pytorch " + torch.__version__, describe_torch(thread_notes))
    print(describe_torch(thread_notes))
    impl = "pytorch " + torch.__version__
    if args.device == "cuda":
        device = torch.device("cuda:0")
        torch.backends.cudnn.allow_tf32 = args.tf32 == "on"
        torch.backends.cuda.matmul.allow_tf32 = args.tf32 == "on"
        args.sync = torch.cuda.synchronize
        gpu = "%s, CUDA %s, cuDNN %s, TF32 %s" % (torch.cuda.get_device_name(device), torch.version.cuda,
                                                  torch.backends.cudnn.version(), args.tf32)
        impl += " (" + gpu + ")"
        print("GPU: " + gpu)
    else:
        device = torch.device("cpu")
        args.sync = lambda: None
    args.torch_device = device
    print()
    sys.stdout.flush()

    threads = torch.get_num_threads()
    rows = []
    for cfg in select_cases(args):
        module, x = build_case(cfg, args)
        for phase in args.phase_list:
            row = measure(cfg, module, x, phase, args, impl, threads)
            rows.append(row)
            print("%-4s %-12s median %s ms, first %s ms, %d reps, %.3g GFLOP/s" % (
                cfg["id"], phase, fmt_ms(row["median_ms"]), fmt_ms(row["first_ms"]), row["reps"], row["gflops"]))
            sys.stdout.flush()
            if args.json:
                write_json(args.json, rows)
        del module, x

    print()
    print_table(rows)
    if args.json:
        write_json(args.json, rows)
        print("\nwrote %d rows to %s" % (len(rows), args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
