#!/usr/bin/python3
"""Generate the PyTorch fixtures that rnn4j's optimizers, gradient clipping and losses are tested against.

What it produces
----------------
``src/test/resources/fixtures/optim/torch-<version>/`` (``<version>`` is ``torch.__version__`` without
any ``+local`` suffix, e.g. ``torch-1.13.0a0``), rewritten completely on every run:

* ``manifest.json``: generator, torch and numpy versions, and one entry per case with its id, kind
  (optimizer | clip | mse | cross_entropy), dtype, seed, tolerances (atol, rtol) and the case's inputs
  (the optimizer config, the steps at which a parameter has no grad, max_norm, shapes).
* Optimizer cases, ``<case_id>/``:

  - ``config.json``: the optimizer as rnn4j's ``OptimizerConfig.toJson()`` writes it (torch.optim's
    argument names: ``{"type": "adam", "lr": 0.001, "betas": [0.9, 0.999], ...}``).
  - ``trajectory.safetensors``: ``initial.<name>`` (the parameters before the first step),
    ``grad.<k>.<name>`` (the grad given at step k = 0..4; absent where that parameter has no grad, which
    torch.optim skips) and ``param.<k>.<name>`` (the parameters after step k).
  - ``state.safetensors``: the optimizer state after the last step, in rnn4j's naming:
    ``step.<name>`` (F64 scalar: the number of steps at which the parameter had a grad),
    ``momentum_buffer.<name>``, ``exp_avg.<name>``, ``exp_avg_sq.<name>``, ``max_exp_avg_sq.<name>``,
    each as torch.optim keeps it in ``optimizer.state[p]``.

  Three parameters per case: ``weight_ih_l0`` (8, 3), ``weight_hh_l0`` (8, 2) and the 1-D ``bias_ih_l0``
  (8,); sizes 24, 16 and 8 exercise both PyTorch's vectorized loop and its scalar tail. ``bias_ih_l0``
  has no grad at step 0 (so its state starts one step late) and ``weight_hh_l0`` none at step 2.
* ``clip_<case>.safetensors``: ``grad.<name>`` (the grads given to
  ``torch.nn.utils.clip_grad_norm_(params, max_norm)``), ``clipped.<name>`` (the grads afterwards) and
  ``total_norm`` (the scalar it returns, in the grads' dtype).
* ``mse_<case>.safetensors``: ``prediction``, ``target``, ``loss`` (scalar) and ``grad``
  (d loss / d prediction) of ``torch.nn.MSELoss()`` (reduction 'mean').
* ``ce_<case>.safetensors``: ``logits`` (N, C), ``target`` (I64, N), ``loss`` and ``grad``
  (d loss / d logits) of ``torch.nn.CrossEntropyLoss()`` (reduction 'mean').

Every optimizer runs with ``foreach=False`` (torch.optim's single-tensor loop, which rnn4j mirrors) on the
CPU with one thread. Every case is deterministic: its inputs come from a ``torch.Generator`` seeded with
the CRC-32 of the case id.

How to run
----------
    /usr/bin/python3 src/test/python/generate_optim_fixtures.py            # (re)generate
    /usr/bin/python3 src/test/python/generate_optim_fixtures.py --verify   # check what is on disk

``--verify`` re-reads every file with the forward generator's independent safetensors reader, checks
names, dtypes and shapes, reruns PyTorch on the stored inputs and requires bit-identical results, and
checks every case against an independent numpy float64 implementation of the equations in
torch.optim's documentation (within a tolerance that allows for float32 rounding).

Safetensors files are written by ``generate_forward_fixtures.write_safetensors`` (imported, not copied).
"""

import json
import math
import os
import shutil
import sys
import zlib
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_forward_fixtures as forward  # noqa: E402  (the safetensors writer and reader)

GENERATOR = "src/test/python/generate_optim_fixtures.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TORCH_VERSION = torch.__version__
VERSION_DIR = "torch-" + TORCH_VERSION.split("+")[0]
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "optim", VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": TORCH_VERSION}
# write_safetensors stamps the header with its module's METADATA; these files name this generator.
forward.METADATA = METADATA

TOLERANCES = {"float32": (1e-7, 1e-6), "float64": (1e-12, 1e-12)}  # (atol, rtol): rnn4j's contract
DTYPES = {"float32": torch.float32, "float64": torch.float64}
STEPS = 5
PARAM_SHAPES = OrderedDict([("weight_ih_l0", (8, 3)), ("weight_hh_l0", (8, 2)), ("bias_ih_l0", (8,))])
NO_GRAD = [(0, "bias_ih_l0"), (2, "weight_hh_l0")]  # (step, parameter) without a grad


# --------------------------------------------------------------------------------------------
# Optimizer configs, in the JSON form rnn4j's OptimizerConfig reads and writes
# --------------------------------------------------------------------------------------------

def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    return OrderedDict([("type", "sgd"), ("lr", float(lr)), ("momentum", float(momentum)),
                        ("dampening", float(dampening)), ("weight_decay", float(weight_decay)),
                        ("nesterov", nesterov)])


def adam(kind, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=None, amsgrad=False):
    if weight_decay is None:
        weight_decay = 1e-2 if kind == "adamw" else 0.0
    return OrderedDict([("type", kind), ("lr", float(lr)), ("betas", [float(b) for b in betas]),
                        ("eps", float(eps)), ("weight_decay", float(weight_decay)), ("amsgrad", amsgrad)])


def build_optimizer(config, params):
    kwargs = {k: v for k, v in config.items() if k != "type"}
    if config["type"] == "sgd":
        return torch.optim.SGD(params, foreach=False, **kwargs)
    kwargs["betas"] = tuple(kwargs["betas"])
    cls = torch.optim.Adam if config["type"] == "adam" else torch.optim.AdamW
    return cls(params, foreach=False, **kwargs)


# --------------------------------------------------------------------------------------------
# The case grid
# --------------------------------------------------------------------------------------------

def build_cases():
    cases = []

    def opt(cid, config, dtype):
        cases.append(OrderedDict([("id", cid), ("kind", "optimizer"), ("dtype", dtype),
                                  ("config", config)]))

    grid = [
        ("sgd_plain", sgd(0.1)),
        ("sgd_momentum_wd", sgd(0.05, momentum=0.9, weight_decay=1e-2)),
        ("sgd_nesterov", sgd(0.05, momentum=0.9, nesterov=True)),
        ("sgd_dampening", sgd(0.05, momentum=0.8, dampening=0.3)),
        ("adam_default", adam("adam")),
        ("adam_wd_amsgrad", adam("adam", lr=0.01, weight_decay=1e-2, amsgrad=True)),
        ("adamw_default", adam("adamw")),
        ("adamw_amsgrad", adam("adamw", lr=0.01, amsgrad=True)),
    ]
    for name, config in grid:
        opt(name + "_f32", config, "float32")
    for name, config in grid:
        if name in ("sgd_momentum_wd", "sgd_nesterov", "adam_default", "adam_wd_amsgrad", "adamw_amsgrad"):
            opt(name + "_f64", config, "float64")
    # Larger betas' complements and a large lr, so that float32 rounding of 1 - beta shows if mishandled.
    opt("adam_betas_eps_f32", adam("adam", lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        "float32")

    def clip(cid, dtype, shapes, max_norm, zero=()):
        cases.append(OrderedDict([("id", cid), ("kind", "clip"), ("dtype", dtype),
                                  ("shapes", OrderedDict((k, list(v)) for k, v in shapes.items())),
                                  ("max_norm", float(max_norm)), ("zero_grads", list(zero))]))

    # Sizes 35, 12 and 6 cover PyTorch's 8-wide float32 lanes and both kinds of remainder.
    clip_shapes = OrderedDict([("weight", (5, 7)), ("proj", (3, 4)), ("bias", (6,))])
    clip("clip_below_f32", "float32", clip_shapes, 1.0)      # total norm is about 6: clipped
    clip("clip_above_f32", "float32", clip_shapes, 100.0)    # not clipped (the coefficient clamps to 1)
    clip("clip_zero_grad_f32", "float32", clip_shapes, 0.5, zero=["proj"])
    clip("clip_all_zero_f32", "float32", clip_shapes, 0.5, zero=list(clip_shapes))
    clip("clip_below_f64", "float64", clip_shapes, 1.0)
    clip("clip_large_f32", "float32", OrderedDict([("w", (33, 31)), ("b", (31,))]), 2.0)

    def mse(cid, dtype, shape):
        cases.append(OrderedDict([("id", cid), ("kind", "mse"), ("dtype", dtype), ("shape", list(shape))]))

    mse("mse_n2_f32", "float32", (4, 2))
    mse("mse_ntl_f32", "float32", (3, 5, 1))
    mse("mse_large_f32", "float32", (37, 29))
    mse("mse_ntl_f64", "float64", (3, 5, 1))

    def ce(cid, dtype, n, c):
        cases.append(OrderedDict([("id", cid), ("kind", "cross_entropy"), ("dtype", dtype),
                                  ("shape", [n, c])]))

    ce("ce_n4_c5_f32", "float32", 4, 5)
    ce("ce_n6_c3_f32", "float32", 6, 3)
    ce("ce_n5_c11_f32", "float32", 5, 11)
    ce("ce_n40_c7_f32", "float32", 40, 7)
    ce("ce_n4_c5_f64", "float64", 4, 5)

    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for c in cases:
        c["seed"] = zlib.crc32(c["id"].encode("ascii")) & 0x7FFFFFFF
        c["atol"], c["rtol"] = TOLERANCES[c["dtype"]]
    return cases


# --------------------------------------------------------------------------------------------
# Running the cases
# --------------------------------------------------------------------------------------------

def optimizer_inputs(case):
    """(initial params, [per step: OrderedDict name -> grad, without the no-grad ones])."""
    dtype = DTYPES[case["dtype"]]
    gen = torch.Generator().manual_seed(case["seed"])
    initial = OrderedDict((n, torch.randn(s, generator=gen, dtype=dtype)) for n, s in PARAM_SHAPES.items())
    grads = []
    for k in range(STEPS):
        step = OrderedDict()
        for n, s in PARAM_SHAPES.items():
            g = torch.randn(s, generator=gen, dtype=dtype) * 0.5  # drawn even when dropped: stable stream
            if (k, n) not in NO_GRAD:
                step[n] = g
        grads.append(step)
    return initial, grads


def run_optimizer(case, initial, grads):
    """Runs torch.optim; returns ([params after each step], final state in rnn4j's naming)."""
    params = OrderedDict((n, torch.nn.Parameter(t.clone())) for n, t in initial.items())
    optimizer = build_optimizer(case["config"], list(params.values()))
    trajectory = []
    for step_grads in grads:
        for n, p in params.items():
            p.grad = step_grads[n].clone() if n in step_grads else None
        optimizer.step()
        trajectory.append(OrderedDict((n, p.detach().clone()) for n, p in params.items()))
    state = OrderedDict()
    counts = {n: sum(1 for g in grads if n in g) for n in params}
    for n, p in params.items():
        s = optimizer.state.get(p, {})
        if not s:
            continue
        state["step." + n] = torch.tensor(float(counts[n]), dtype=torch.float64)
        if "step" in s:  # Adam / AdamW count steps themselves; SGD does not
            assert float(s["step"]) == counts[n], (case["id"], n, float(s["step"]), counts[n])
        for key in ("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            if s.get(key) is not None:
                state[key + "." + n] = s[key].detach().clone()
    return trajectory, state


def clip_inputs(case):
    dtype = DTYPES[case["dtype"]]
    gen = torch.Generator().manual_seed(case["seed"])
    grads = OrderedDict()
    for n, s in case["shapes"].items():
        g = torch.randn(s, generator=gen, dtype=dtype)
        grads[n] = torch.zeros_like(g) if n in case["zero_grads"] else g
    return grads


def run_clip(case, grads):
    params = []
    for g in grads.values():
        p = torch.nn.Parameter(torch.zeros_like(g))
        p.grad = g.clone()
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, case["max_norm"])
    assert total.dtype == DTYPES[case["dtype"]], (case["id"], total.dtype)
    return total.detach().clone(), OrderedDict((n, p.grad.clone()) for n, p in zip(grads, params))


def loss_inputs(case):
    dtype = DTYPES[case["dtype"]]
    gen = torch.Generator().manual_seed(case["seed"])
    if case["kind"] == "mse":
        return OrderedDict([("prediction", torch.randn(case["shape"], generator=gen, dtype=dtype)),
                            ("target", torch.randn(case["shape"], generator=gen, dtype=dtype))])
    n, c = case["shape"]
    logits = torch.randn(n, c, generator=gen, dtype=dtype) * 2.0
    target = torch.randint(0, c, (n,), generator=gen, dtype=torch.int64)
    return OrderedDict([("logits", logits), ("target", target)])


def run_loss(case, inputs):
    if case["kind"] == "mse":
        x = inputs["prediction"].clone().requires_grad_(True)
        loss = torch.nn.MSELoss()(x, inputs["target"])
    else:
        x = inputs["logits"].clone().requires_grad_(True)
        loss = torch.nn.CrossEntropyLoss()(x, inputs["target"])
    loss.backward()
    return loss.detach().clone(), x.grad.clone()


def case_files(case):
    if case["kind"] == "optimizer":
        return [os.path.join(case["id"], f) for f in ("config.json", "trajectory.safetensors",
                                                      "state.safetensors")]
    return [case["id"] + ".safetensors"]


def generate_case(case):
    cid = case["id"]
    if case["kind"] == "optimizer":
        case_dir = os.path.join(OUT_DIR, cid)
        os.makedirs(case_dir)
        initial, grads = optimizer_inputs(case)
        trajectory, state = run_optimizer(case, initial, grads)
        forward.fixture_io.write_json(os.path.join(case_dir, "config.json"), case["config"])
        tensors = OrderedDict(("initial." + n, t) for n, t in initial.items())
        for k in range(STEPS):
            tensors.update(("grad.%d.%s" % (k, n), g) for n, g in grads[k].items())
        for k in range(STEPS):
            tensors.update(("param.%d.%s" % (k, n), p) for n, p in trajectory[k].items())
        forward.write_safetensors(os.path.join(case_dir, "trajectory.safetensors"), tensors)
        forward.write_safetensors(os.path.join(case_dir, "state.safetensors"), state)
    elif case["kind"] == "clip":
        grads = clip_inputs(case)
        total, clipped = run_clip(case, grads)
        tensors = OrderedDict(("grad." + n, g) for n, g in grads.items())
        tensors.update(("clipped." + n, g) for n, g in clipped.items())
        tensors["total_norm"] = total
        forward.write_safetensors(os.path.join(OUT_DIR, cid + ".safetensors"), tensors)
    else:
        inputs = loss_inputs(case)
        loss, grad = run_loss(case, inputs)
        tensors = OrderedDict(inputs)
        tensors["loss"] = loss
        tensors["grad"] = grad
        forward.write_safetensors(os.path.join(OUT_DIR, cid + ".safetensors"), tensors)


def manifest_entry(case):
    entry = OrderedDict((k, case[k]) for k in ("id", "kind", "dtype", "seed", "atol", "rtol"))
    if case["kind"] == "optimizer":
        entry["config"] = case["config"]
        entry["steps"] = STEPS
        entry["params"] = OrderedDict((k, list(v)) for k, v in PARAM_SHAPES.items())
        entry["no_grad"] = [[k, n] for k, n in NO_GRAD]
    elif case["kind"] == "clip":
        for k in ("shapes", "max_norm", "zero_grads"):
            entry[k] = case[k]
    else:
        entry["shape"] = case["shape"]
    return entry


def generate():
    torch.set_num_threads(1)
    cases = build_cases()
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    for case in cases:
        generate_case(case)
    size = forward.fixture_io.write_manifest(OUT_DIR, GENERATOR, TORCH_VERSION, [manifest_entry(c) for c in cases])
    print("wrote %d cases (%d bytes) to %s with torch %s" % (
        len(cases), size, os.path.relpath(OUT_DIR, REPO_ROOT), TORCH_VERSION))


# --------------------------------------------------------------------------------------------
# Verification: own reader, bit-identical rerun, independent numpy float64 reference
# --------------------------------------------------------------------------------------------

def reference_optimizer(config, initial, grads):
    """torch.optim's documented SGD / Adam / AdamW (maximize=False) in float64 numpy."""
    params = OrderedDict((n, a.astype(np.float64)) for n, a in initial.items())
    state = {n: {} for n in params}
    out = []
    for step_grads in grads:
        for n in params:
            if n not in step_grads:
                continue
            p, g, s = params[n], step_grads[n].astype(np.float64), state[n]
            s["step"] = s.get("step", 0) + 1
            t = s["step"]
            if config["type"] == "sgd":
                mu, tau, lam = config["momentum"], config["dampening"], config["weight_decay"]
                g = g + lam * p
                if mu != 0:
                    b = g if t == 1 else mu * s["momentum_buffer"] + (1 - tau) * g
                    s["momentum_buffer"] = b
                    g = g + mu * b if config["nesterov"] else b
                params[n] = p - config["lr"] * g
                continue
            b1, b2 = config["betas"]
            lr, lam, eps = config["lr"], config["weight_decay"], config["eps"]
            if config["type"] == "adamw":
                p = p * (1 - lr * lam)
            else:
                g = g + lam * p
            m = b1 * s.get("exp_avg", 0.0) + (1 - b1) * g
            v = b2 * s.get("exp_avg_sq", 0.0) + (1 - b2) * g * g
            s["exp_avg"], s["exp_avg_sq"] = m, v
            m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            if config["amsgrad"]:
                # torch keeps the max of the raw second moments; the bias correction applies after.
                s["max_exp_avg_sq"] = np.maximum(s.get("max_exp_avg_sq", 0.0), v)
                v_hat = s["max_exp_avg_sq"] / (1 - b2 ** t)
            params[n] = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(OrderedDict((n, a.copy()) for n, a in params.items()))
    flat_state = OrderedDict()
    for n in params:
        for k, v in state[n].items():
            flat_state[k + "." + n] = np.asarray(float(v)) if k == "step" else v
    return out, flat_state


def check_close(cid, what, got, ref, atol, rtol):
    err = np.abs(got.astype(np.float64) - ref)
    assert got.shape == ref.shape, (cid, what, got.shape, ref.shape)
    assert (err <= atol + rtol * np.abs(ref)).all(), (cid, what, float(err.max()))
    return float(err.max()) if err.size else 0.0


def verify():
    torch.set_num_threads(1)
    cases = build_cases()
    with open(os.path.join(OUT_DIR, "manifest.json")) as f:
        manifest = json.load(f, object_pairs_hook=OrderedDict)
    assert manifest["generator"] == GENERATOR and manifest["torch_version"] == TORCH_VERSION
    assert manifest["numpy_version"] == np.__version__, manifest["numpy_version"]
    assert [c["id"] for c in manifest["cases"]] == [c["id"] for c in cases], "manifest case ids"
    assert manifest["cases"] == [json.loads(json.dumps(manifest_entry(c))) for c in cases], "manifest entries"
    expected_files = sorted(["manifest.json"] + [f for c in cases for f in case_files(c)])
    on_disk = sorted(os.path.relpath(os.path.join(d, fn), OUT_DIR) for d, _, fns in os.walk(OUT_DIR)
                     for fn in fns)
    assert on_disk == expected_files, sorted(set(on_disk) ^ set(expected_files))
    worst = {"float32": 0.0, "float64": 0.0}
    # The numpy reference runs in float64 from the same float32 inputs, so a float32 case differs from it
    # by float32 rounding accumulated over the steps: these bounds only catch real divergence.
    ref_tol = {"float32": (1e-5, 1e-4), "float64": (1e-12, 1e-10)}

    def read(rel):
        meta, tensors = forward.read_safetensors(os.path.join(OUT_DIR, rel))
        assert meta == METADATA, (rel, meta)
        return tensors

    for case in cases:
        cid, dtype = case["id"], case["dtype"]
        st = "F64" if dtype == "float64" else "F32"
        atol, rtol = ref_tol[dtype]
        if case["kind"] == "optimizer":
            with open(os.path.join(OUT_DIR, cid, "config.json")) as f:
                config = json.load(f, object_pairs_hook=OrderedDict)
            assert list(config.items()) == list(case["config"].items()), cid
            traj = read(os.path.join(cid, "trajectory.safetensors"))
            state = read(os.path.join(cid, "state.safetensors"))
            initial, grads = optimizer_inputs(case)
            names = (["initial." + n for n in initial]
                     + ["grad.%d.%s" % (k, n) for k in range(STEPS) for n in grads[k]]
                     + ["param.%d.%s" % (k, n) for k in range(STEPS) for n in PARAM_SHAPES])
            assert list(traj) == names, (cid, list(traj))
            for name, (dt, arr) in traj.items():
                assert dt == st and tuple(arr.shape) == PARAM_SHAPES[name.split(".")[-1]], (cid, name)
            for n, t in initial.items():
                assert np.array_equal(traj["initial." + n][1], t.numpy()), (cid, n, "not reproducible")
            stored_initial = OrderedDict((n, torch.from_numpy(traj["initial." + n][1].copy())) for n in initial)
            stored_grads = [OrderedDict((n, torch.from_numpy(traj["grad.%d.%s" % (k, n)][1].copy()))
                                        for n in grads[k]) for k in range(STEPS)]
            rerun, rerun_state = run_optimizer(case, stored_initial, stored_grads)
            for k in range(STEPS):
                for n in PARAM_SHAPES:
                    assert np.array_equal(traj["param.%d.%s" % (k, n)][1], rerun[k][n].numpy()), (cid, k, n)
            assert list(state) == list(rerun_state), (cid, list(state), list(rerun_state))
            for name, (dt, arr) in state.items():
                want = "F64" if name.startswith("step.") else st
                assert dt == want, (cid, name, dt)
                assert np.array_equal(arr, rerun_state[name].numpy()), (cid, name)
            ref, ref_state = reference_optimizer(
                config, OrderedDict((n, t.numpy()) for n, t in stored_initial.items()),
                [OrderedDict((n, t.numpy()) for n, t in g.items()) for g in stored_grads])
            for k in range(STEPS):
                for n in PARAM_SHAPES:
                    worst[dtype] = max(worst[dtype], check_close(
                        cid, "param.%d.%s" % (k, n), traj["param.%d.%s" % (k, n)][1], ref[k][n], atol, rtol))
            assert list(state) == list(ref_state), (cid, list(state), list(ref_state))
            for name, (_, arr) in state.items():
                check_close(cid, name, arr, ref_state[name], atol, rtol)
        elif case["kind"] == "clip":
            tensors = read(cid + ".safetensors")
            grads = clip_inputs(case)
            assert list(tensors) == (["grad." + n for n in grads] + ["clipped." + n for n in grads]
                                     + ["total_norm"]), cid
            for n, g in grads.items():
                assert tensors["grad." + n][0] == st and np.array_equal(tensors["grad." + n][1], g.numpy())
            total, clipped = run_clip(case, OrderedDict(
                (n, torch.from_numpy(tensors["grad." + n][1].copy())) for n in grads))
            assert tensors["total_norm"][0] == st and tensors["total_norm"][1].shape == ()
            assert np.array_equal(tensors["total_norm"][1], total.numpy()), cid
            for n in grads:
                assert np.array_equal(tensors["clipped." + n][1], clipped[n].numpy()), (cid, n)
            g64 = [tensors["grad." + n][1].astype(np.float64) for n in grads]
            ref_total = math.sqrt(sum(float((g * g).sum()) for g in g64))
            check_close(cid, "total_norm", tensors["total_norm"][1], np.asarray(ref_total), atol, rtol)
            coef = min(1.0, case["max_norm"] / (ref_total + 1e-6))
            assert (coef < 1.0) == (case["max_norm"] < ref_total), (cid, "clipping as intended")
            for n, g in zip(grads, g64):
                worst[dtype] = max(worst[dtype], check_close(
                    cid, "clipped." + n, tensors["clipped." + n][1], g * coef, atol, rtol))
        else:
            tensors = read(cid + ".safetensors")
            inputs = loss_inputs(case)
            assert list(tensors) == list(inputs) + ["loss", "grad"], cid
            for k, t in inputs.items():
                want = "I64" if t.dtype == torch.int64 else st
                assert tensors[k][0] == want and np.array_equal(tensors[k][1], t.numpy()), (cid, k)
            loss, grad = run_loss(case, OrderedDict(
                (k, torch.from_numpy(tensors[k][1].copy())) for k in inputs))
            assert np.array_equal(tensors["loss"][1], loss.numpy()), cid
            assert np.array_equal(tensors["grad"][1], grad.numpy()), cid
            if case["kind"] == "mse":
                x, y = (tensors[k][1].astype(np.float64) for k in ("prediction", "target"))
                ref_loss, ref_grad = ((x - y) ** 2).mean(), 2.0 * (x - y) / x.size
            else:
                x, t = tensors["logits"][1].astype(np.float64), tensors["target"][1]
                z = x - x.max(axis=1, keepdims=True)
                log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
                rows = np.arange(x.shape[0])
                ref_loss = -log_p[rows, t].mean()
                ref_grad = np.exp(log_p)
                ref_grad[rows, t] -= 1.0
                ref_grad /= x.shape[0]
            check_close(cid, "loss", tensors["loss"][1], np.asarray(ref_loss), atol, rtol)
            worst[dtype] = max(worst[dtype], check_close(cid, "grad", tensors["grad"][1], ref_grad, atol, rtol))
    print("verified %d cases in %s; max |fixture - numpy float64 reference|: float32 %.3g, float64 %.3g"
          % (len(cases), os.path.relpath(OUT_DIR, REPO_ROOT), worst["float32"], worst["float64"]))


if __name__ == "__main__":
    sys.exit(forward.fixture_io.run_generator(__doc__, generate, verify))
