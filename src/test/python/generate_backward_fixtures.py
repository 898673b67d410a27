#!/usr/bin/python3
"""Generate the PyTorch gradient (backward-pass) fixtures that rnn4j's CPU backend is tested against.

What it produces
----------------
``src/test/resources/fixtures/backward/torch-<version>/`` (``<version>`` as for the forward fixtures,
e.g. ``torch-1.13.0a0``), rewritten completely on every run. The case grid is the forward one
(``generate_forward_fixtures.build_cases``: same ids, sizes, seeds, inputs), all 183 cases.

* ``manifest.json``: as the forward manifest (generator, versions, one entry per case) with
  ``has_grad_h_n`` added to each entry and the gradient tolerances (float32 atol 1e-4 rtol 1e-3,
  float64 atol 1e-9 rtol 1e-9).
* ``<case_id>/config.json``, ``weights.safetensors``, ``input.safetensors``: as the forward fixtures
  (``input``, optional ``h0`` / ``c0``, optional ``lengths`` I64). Float32 weights are identical to
  the forward fixtures'. Float64 weights are NOT: after ``.double()`` every parameter is redrawn in
  float64 (``torch.manual_seed(seed)``, then ``nn.init.uniform_(p, -k, k)``, ``k = 1/sqrt(hidden)``,
  parameters in state_dict order), so float64 parity is tested on values that float32 cannot hold.
* ``<case_id>/grad.safetensors``: the upstream gradients. ``grad_output`` (the shape of ``output``,
  standard normal, nonzero at the padded steps of variable-length cases too, where it must have no
  effect), and ``grad_h_n`` (plus ``grad_c_n`` for LSTM) in about two thirds of the cases: a case
  without them (``has_grad_h_n`` false) means zeros, i.e. the loss ignores the final state.
* ``<case_id>/expected.safetensors``: ``output``, ``h_n`` (``c_n``), then ``grad_input``,
  ``grad_h0`` / ``grad_c0`` (only when ``input.safetensors`` has ``h0`` / ``c0``) and
  ``grad.<name>`` for every parameter in state_dict order (e.g. ``grad.weight_hh_l1_reverse``).

The gradients are autograd's for

    loss = sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n * grad_c_n)

(the last two terms only when the case has them), with the module in eval mode, fresh (``None``)
parameter grads, ``input`` and ``h0`` / ``c0`` as ``requires_grad`` leaves. Variable-length cases
run exactly ``pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)``, the module,
``pad_packed_sequence(out, batch_first, total_length=T)`` and take the loss on the padded output, so
``grad_input`` is exactly zero at the padded steps. Unbatched cases use unbatched shapes throughout
(``grad_h0`` is ``(D*num_layers, H_out)``).

Seeds: module and inputs exactly as the forward fixtures (seed = CRC-32 of the case id); the upstream
gradients come from a ``torch.Generator`` seeded with ``grad_seed`` = CRC-32 of ``<case id>/grad``
(masked to 31 bits), and ``has_grad_h_n`` is ``grad_seed % 3 != 0``.

How to run
----------
    /usr/bin/python3 src/test/python/generate_backward_fixtures.py            # (re)generate
    /usr/bin/python3 src/test/python/generate_backward_fixtures.py --verify   # check what is on disk

``--verify`` re-reads every file with the shared reader (``fixture_io.py``), checks names, dtypes,
shapes and that weights / inputs / upstream gradients are reproducible from the seeds, reruns
autograd on the stored files and requires bit-exact agreement with ``expected``, checks the padded
steps (output and grad_input zero there, grad_output not), and checks sampled entries of every
gradient against central finite differences of the forward script's independent numpy float64
reference of the recurrences.
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
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402
import generate_forward_fixtures as fwd  # noqa: E402  (the case grid, configs, inputs, reference)
from fixture_io import read_safetensors  # noqa: E402

GENERATOR = "src/test/python/generate_backward_fixtures.py"
REPO_ROOT = fwd.REPO_ROOT
TORCH_VERSION = torch.__version__
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "backward", fwd.VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": TORCH_VERSION}

TOLERANCES = {"float32": (1e-4, 1e-3), "float64": (1e-9, 1e-9)}  # (atol, rtol)
CASE_FILES = ["config.json", "weights.safetensors", "input.safetensors", "grad.safetensors",
              "expected.safetensors"]


def write_safetensors(path, tensors):
    fixture_io.write_safetensors(path, tensors, METADATA)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

def build_cases():
    cases = fwd.build_cases()
    for c in cases:
        c["grad_seed"] = zlib.crc32((c["id"] + "/grad").encode("ascii")) & 0x7FFFFFFF
        c["has_grad_h_n"] = c["grad_seed"] % 3 != 0
    return cases


def build_module(case):
    """The forward fixtures' module; float64 cases get every parameter redrawn in float64."""
    module = fwd.build_module(case)
    if case["dtype"] == "float64":
        torch.manual_seed(case["seed"])
        k = 1.0 / math.sqrt(case["hidden_size"])
        with torch.no_grad():
            for p in module.parameters():
                assert p.dtype == torch.float64
                nn.init.uniform_(p, -k, k)
    return module.eval()


def output_shape(case):
    x_shape, _, _ = fwd.shapes(case)
    d = 2 if case["bidirectional"] else 1
    return tuple(x_shape[:-1]) + (d * (case["proj_size"] or case["hidden_size"]),)


def make_grads(case):
    """The upstream gradients: grad_output, and grad_h_n (grad_c_n) when the case has them."""
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    gen = torch.Generator().manual_seed(case["grad_seed"])
    _, h_shape, c_shape = fwd.shapes(case)
    grads = OrderedDict([("grad_output", torch.randn(output_shape(case), generator=gen, dtype=dtype))])
    if case["has_grad_h_n"]:
        grads["grad_h_n"] = torch.randn(h_shape, generator=gen, dtype=dtype)
        if case["mode"] == "LSTM":
            grads["grad_c_n"] = torch.randn(c_shape, generator=gen, dtype=dtype)
    return grads


def run_backward(case, module, inputs, grads):
    """Forward + autograd backward of the documented loss; returns the expected tensors in order."""
    module.zero_grad(set_to_none=True)
    x = inputs["input"].detach().clone().requires_grad_()
    h0 = c0 = hx = None
    if "h0" in inputs:
        h0 = inputs["h0"].detach().clone().requires_grad_()
        hx = h0
        if case["mode"] == "LSTM":
            c0 = inputs["c0"].detach().clone().requires_grad_()
            hx = (h0, c0)
    with torch.enable_grad():
        if "lengths" in inputs:
            packed = pack_padded_sequence(x, inputs["lengths"], batch_first=case["batch_first"],
                                          enforce_sorted=False)
            out, state = module(packed, hx)
            out, _ = pad_packed_sequence(out, batch_first=case["batch_first"],
                                         total_length=case["seq"])
        else:
            out, state = module(x, hx)
        h_n, c_n = state if case["mode"] == "LSTM" else (state, None)
        loss = (out * grads["grad_output"]).sum()
        if "grad_h_n" in grads:
            loss = loss + (h_n * grads["grad_h_n"]).sum()
        if "grad_c_n" in grads:
            loss = loss + (c_n * grads["grad_c_n"]).sum()
        loss.backward()
    result = OrderedDict([("output", out.detach()), ("h_n", h_n.detach())])
    if c_n is not None:
        result["c_n"] = c_n.detach()
    result["grad_input"] = x.grad
    if h0 is not None:
        result["grad_h0"] = h0.grad
    if c0 is not None:
        result["grad_c0"] = c0.grad
    for name, p in module.named_parameters():
        assert p.grad is not None, (case["id"], name, "no gradient")
        result["grad." + name] = p.grad.detach().clone()
    for k, v in result.items():
        assert v is not None, (case["id"], k)
    return result


def manifest_entry(case):
    atol, rtol = TOLERANCES[case["dtype"]]
    return OrderedDict([
        ("id", case["id"]), ("mode", case["mode"]), ("dtype", case["dtype"]),
        ("seed", case["seed"]), ("batched", case["batched"]), ("has_h0", case["has_h0"]),
        ("has_lengths", case["lengths"] is not None), ("has_grad_h_n", case["has_grad_h_n"]),
        ("atol", atol), ("rtol", rtol), ("config", fwd.torch_config(case)),
    ])


def generate():
    torch.set_num_threads(1)
    cases = build_cases()
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    for case in cases:
        case_dir = os.path.join(OUT_DIR, case["id"])
        os.makedirs(case_dir)
        module = build_module(case)
        inputs = fwd.make_inputs(case)
        grads = make_grads(case)
        expected = run_backward(case, module, inputs, grads)
        fixture_io.write_json(os.path.join(case_dir, "config.json"), fwd.torch_config(case))
        write_safetensors(os.path.join(case_dir, "weights.safetensors"), module.state_dict())
        write_safetensors(os.path.join(case_dir, "input.safetensors"), inputs)
        write_safetensors(os.path.join(case_dir, "grad.safetensors"), grads)
        write_safetensors(os.path.join(case_dir, "expected.safetensors"), expected)
    size = fixture_io.write_manifest(OUT_DIR, GENERATOR, TORCH_VERSION, [manifest_entry(c) for c in cases])
    print("wrote %d cases (%d with grad_h_n, %d without; %d bytes) to %s with torch %s" % (
        len(cases), sum(c["has_grad_h_n"] for c in cases), sum(not c["has_grad_h_n"] for c in cases),
        size, os.path.relpath(OUT_DIR, REPO_ROOT), TORCH_VERSION))


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------

FD_SAMPLES = 3  # entries per gradient tensor checked against finite differences
# Steps tried in turn until one agrees: 1e-8 only matters where a ReLU pre-activation lies within
# ~1e-6 of zero (rnnrelu_l1_bi_sf_nobias_h0 has one at 1.07e-6), so that the central difference
# straddles the kink.
FD_EPS = (1e-6, 1e-8)
# Central differences of the float64 numpy reference are good to ~1e-8 here (rounding / eps);
# float32 fixtures are float32 autograd, so they get their own case tolerance on top of that.
FD_TOL = {"float32": (1e-4, 1e-3), "float64": (1e-6, 1e-6)}


def _padded_mask(case):
    """Boolean mask over the time/batch dims of input/output: True at padded steps."""
    x_shape, _, _ = fwd.shapes(case)
    mask = np.zeros(x_shape[:-1], dtype=bool)
    for b, length in enumerate(case["lengths"]):
        if case["batch_first"]:
            mask[b, length:] = True
        else:
            mask[length:, b] = True
    return mask


def finite_difference_check(case, cfg, weights, inputs, grads, expected):
    """Sampled entries of every gradient vs central differences of fwd.reference_forward (float64)."""
    w = {k: a.astype(np.float64) for k, a in weights.items()}
    x = {k: a.astype(np.float64) if k != "lengths" else a for k, a in inputs.items()}
    g = {k: a.astype(np.float64) for k, a in grads.items()}

    def loss():
        ref = fwd.reference_forward(cfg, case["mode"], w, x["input"], x.get("h0"), x.get("c0"),
                                    x.get("lengths"))
        total = float(np.sum(ref["output"] * g["grad_output"]))
        if "grad_h_n" in g:
            total += float(np.sum(ref["h_n"] * g["grad_h_n"]))
        if "grad_c_n" in g:
            total += float(np.sum(ref["c_n"] * g["grad_c_n"]))
        return total

    rng = np.random.RandomState(case["seed"])
    targets = [("grad_input", x, "input"), ("grad_h0", x, "h0"), ("grad_c0", x, "c0")]
    targets += [("grad." + k, w, k) for k in weights]
    atol, rtol = FD_TOL[case["dtype"]]
    worst = 0.0
    for gname, store, key in targets:
        if key not in store:
            assert gname not in expected, (case["id"], gname)
            continue
        arr = store[key]
        picks = [tuple(rng.randint(s) for s in arr.shape) for _ in range(FD_SAMPLES)]
        if gname == "grad_input" and case["lengths"] is not None:  # one padded step, too
            pad = np.argwhere(_padded_mask(case))
            picks.append(tuple(pad[rng.randint(len(pad))]) + (rng.randint(arr.shape[-1]),))
        for idx in picks:
            got = float(expected[gname][idx])
            tried = []
            for eps in FD_EPS:
                orig = arr[idx]
                arr[idx] = orig + eps
                up = loss()
                arr[idx] = orig - eps
                down = loss()
                arr[idx] = orig
                fd = (up - down) / (2 * eps)
                tried.append((eps, fd))
                if abs(got - fd) <= atol + rtol * abs(fd):
                    break
            else:
                raise AssertionError((case["id"], gname, idx, got, tried))
            worst = max(worst, abs(got - fd))
    return worst


def verify():
    torch.set_num_threads(1)
    cases = build_cases()
    with open(os.path.join(OUT_DIR, "manifest.json")) as f:
        manifest = json.load(f, object_pairs_hook=OrderedDict)
    assert manifest["generator"] == GENERATOR and manifest["torch_version"] == TORCH_VERSION
    assert manifest["numpy_version"] == np.__version__
    assert [c["id"] for c in manifest["cases"]] == [c["id"] for c in cases], "manifest case ids"
    on_disk = sorted(e for e in os.listdir(OUT_DIR) if e != "manifest.json")
    assert on_disk == sorted(c["id"] for c in cases), "case folders differ from the grid"
    worst_fd = {"float32": 0.0, "float64": 0.0}
    for case, entry in zip(cases, manifest["cases"]):
        cid = case["id"]
        case_dir = os.path.join(OUT_DIR, cid)
        assert sorted(os.listdir(case_dir)) == sorted(CASE_FILES), cid
        with open(os.path.join(case_dir, "config.json")) as f:
            cfg = json.load(f, object_pairs_hook=OrderedDict)
        assert list(cfg.items()) == list(fwd.torch_config(case).items()), cid
        assert entry == manifest_entry(case), cid
        st_float = "F64" if case["dtype"] == "float64" else "F32"

        files = {}
        for name in ("weights", "input", "grad", "expected"):
            meta, tensors = read_safetensors(os.path.join(case_dir, name + ".safetensors"))
            assert meta == METADATA, (cid, name, meta)
            files[name] = tensors
        arrays = {name: OrderedDict((k, a) for k, (_, a) in t.items()) for name, t in files.items()}

        # weights: names, order, dtype, shapes; values reproducible from the seed.
        module = build_module(case)
        sd = module.state_dict()
        assert list(files["weights"].keys()) == list(sd.keys()), cid
        for k, (dt, arr) in files["weights"].items():
            assert dt == st_float and tuple(arr.shape) == tuple(sd[k].shape), (cid, k)
            assert np.array_equal(arr, sd[k].numpy()), (cid, k, "weights not reproducible")
        if case["dtype"] == "float64":  # genuinely float64 values
            for k, arr in arrays["weights"].items():
                assert not np.array_equal(arr.astype(np.float32).astype(np.float64), arr), (cid, k)

        # inputs and upstream gradients: names, dtypes, shapes; reproducible from the seeds.
        x_shape, h_shape, c_shape = fwd.shapes(case)
        want = [("input", st_float, x_shape)]
        if case["has_h0"]:
            want.append(("h0", st_float, h_shape))
            if case["mode"] == "LSTM":
                want.append(("c0", st_float, c_shape))
        if case["lengths"] is not None:
            want.append(("lengths", "I64", (case["batch"],)))
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["input"].items()]
        assert got == want, (cid, got, want)
        want = [("grad_output", st_float, output_shape(case))]
        if case["has_grad_h_n"]:
            want.append(("grad_h_n", st_float, h_shape))
            if case["mode"] == "LSTM":
                want.append(("grad_c_n", st_float, c_shape))
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["grad"].items()]
        assert got == want, (cid, got, want)
        for name, fresh in (("input", fwd.make_inputs(case)), ("grad", make_grads(case))):
            for k, arr in arrays[name].items():
                assert np.array_equal(arr, fresh[k].numpy()), (cid, name, k, "not reproducible")

        # expected: names, dtypes, shapes; rerun autograd on the stored files, bit-exact.
        want = [("output", st_float, output_shape(case)), ("h_n", st_float, h_shape)]
        if case["mode"] == "LSTM":
            want.append(("c_n", st_float, c_shape))
        want.append(("grad_input", st_float, x_shape))
        if case["has_h0"]:
            want.append(("grad_h0", st_float, h_shape))
            if case["mode"] == "LSTM":
                want.append(("grad_c0", st_float, c_shape))
        want += [("grad." + k, st_float, tuple(v.shape)) for k, v in sd.items()]
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["expected"].items()]
        assert got == want, (cid, got, want)
        fresh = build_module(case)
        fresh.load_state_dict(OrderedDict((k, torch.from_numpy(a.copy()))
                                          for k, a in arrays["weights"].items()), strict=True)
        as_torch = {name: OrderedDict((k, torch.from_numpy(a.copy())) for k, a in arrays[name].items())
                    for name in ("input", "grad")}
        rerun = run_backward(case, fresh, as_torch["input"], as_torch["grad"])
        assert list(rerun.keys()) == list(arrays["expected"].keys()), cid
        for k, arr in arrays["expected"].items():
            assert np.array_equal(arr, rerun[k].numpy()), (cid, k, "expected not reproducible")

        # padded steps: output and grad_input exactly zero, grad_output nonzero (and ignored).
        if case["lengths"] is not None:
            mask = _padded_mask(case)
            assert mask.any()
            assert not arrays["expected"]["output"][mask].any(), cid
            assert not arrays["expected"]["grad_input"][mask].any(), cid
            assert (arrays["grad"]["grad_output"][mask] != 0).all(), cid
            assert (arrays["expected"]["grad_input"][~mask] != 0).any(), cid

        # independent: finite differences of the numpy float64 reference.
        err = finite_difference_check(case, cfg, arrays["weights"], arrays["input"], arrays["grad"],
                                      arrays["expected"])
        worst_fd[case["dtype"]] = max(worst_fd[case["dtype"]], err)
    print("verified %d cases in %s (bit-exact autograd rerun); max |gradient - finite difference of "
          "numpy float64 reference| over sampled entries: float32 %.3g, float64 %.3g"
          % (len(cases), os.path.relpath(OUT_DIR, REPO_ROOT), worst_fd["float32"], worst_fd["float64"]))


if __name__ == "__main__":
    sys.exit(fixture_io.run_generator(__doc__, generate, verify))
