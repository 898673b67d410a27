#!/usr/bin/python3
"""Generate the PyTorch forward-pass fixtures that rnn4j's CPU backend is tested against.

What it produces
----------------
``src/test/resources/fixtures/forward/torch-<version>/`` (``<version>`` is ``torch.__version__``
without any ``+local`` suffix, e.g. ``torch-1.13.0a0``), rewritten completely on every run:

* ``manifest.json``: generator, torch and numpy versions, and one entry per case with its id,
  mode (RNN_TANH | RNN_RELU | LSTM | GRU), dtype, seed, batched / has_h0 / has_lengths flags,
  tolerances (atol, rtol) and the constructor config.
* ``<case_id>/config.json``: the torch.nn.RNN / LSTM / GRU constructor args.
* ``<case_id>/weights.safetensors``: the module's ``state_dict()`` (PyTorch names, state_dict order).
* ``<case_id>/input.safetensors``: ``input``, plus ``h0`` (and ``c0`` for LSTM) when the case
  passes an initial state, plus ``lengths`` (I64) for variable-length cases.
* ``<case_id>/expected.safetensors``: ``output``, ``h_n`` (and ``c_n`` for LSTM) from the module in
  eval mode.

Variable-length cases run ``pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)``,
the module, then ``pad_packed_sequence(out, batch_first, total_length=T)``: ``output`` is zero past
each sequence's length, while ``input`` holds random nonzero values there.

Every case is deterministic: ``torch.manual_seed(seed)`` before building the module (so the weights
are PyTorch's default init), inputs from a ``torch.Generator`` seeded with the same seed, where the
seed is the CRC-32 of the case id (stable when cases are added or reordered).

How to run
----------
    /usr/bin/python3 src/test/python/generate_forward_fixtures.py            # (re)generate
    /usr/bin/python3 src/test/python/generate_forward_fixtures.py --verify   # check what is on disk

``--verify`` re-reads every file with this script's own safetensors reader, checks names, dtypes
and shapes against a freshly built module, reruns the module on the stored weights and inputs,
and checks ``expected`` against an independent numpy (float64) implementation of the recurrences.

Safetensors files are written by ``fixture_io.py`` (this folder; shared with the other generators):
with ``safetensors.torch.save_file`` when that package is importable and with a minimal writer
otherwise (8-byte little-endian header length, JSON header padded with spaces to a multiple of 8,
raw little-endian row-major data).
"""

import json
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
import fixture_io  # noqa: E402  (this folder's shared safetensors I/O)
from fixture_io import read_safetensors  # noqa: E402,F401  (re-exported for the other scripts)

GENERATOR = "src/test/python/generate_forward_fixtures.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TORCH_VERSION = torch.__version__
VERSION_DIR = "torch-" + TORCH_VERSION.split("+")[0]
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "forward", VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": TORCH_VERSION}

TOLERANCES = {"float32": (2e-5, 1e-4), "float64": (1e-9, 1e-9)}  # (atol, rtol)
MODE_TOKEN = {"RNN_TANH": "rnntanh", "RNN_RELU": "rnnrelu", "LSTM": "lstm", "GRU": "gru"}
MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


# --------------------------------------------------------------------------------------------
# Safetensors I/O (shared with the other generators in fixture_io.py)
# --------------------------------------------------------------------------------------------

def write_safetensors(path, tensors):
    """Write an ordered dict name -> tensor as a safetensors file, tensors in the given order."""
    fixture_io.write_safetensors(path, tensors, METADATA)


# --------------------------------------------------------------------------------------------
# The case grid
# --------------------------------------------------------------------------------------------

def make_case(case_id, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
              bidirectional=False, proj_size=0, batch=3, seq=4, has_h0=False, lengths=None,
              batched=True, dtype="float32", data=None):
    return dict(id=case_id, mode=mode, input_size=input_size, hidden_size=hidden_size,
                num_layers=num_layers, bias=bias, batch_first=batch_first,
                bidirectional=bidirectional, proj_size=proj_size, batch=batch, seq=seq,
                has_h0=has_h0, lengths=lengths, batched=batched, dtype=dtype, data=data)


def _dir(bi):
    return "bi" if bi else "uni"


def _bf(bf):
    return "bf" if bf else "sf"  # batch-first / sequence-first


def _h0(h0):
    return "h0" if h0 else "noh0"


def build_cases():
    cases = []

    # 1. Full product: 4 modes x layers {1,3} x {uni,bi} x batch_first x bias x h0 = 128.
    for mode in MODES:
        for layers in (1, 3):
            for bi in (False, True):
                for bf in (True, False):
                    for bias in (True, False):
                        for h0 in (True, False):
                            cid = "%s_l%d_%s_%s_%s_%s" % (MODE_TOKEN[mode], layers, _dir(bi), _bf(bf),
                                                          "bias" if bias else "nobias", _h0(h0))
                            cases.append(make_case(cid, mode, 3, 5, layers, bias, bf, bi,
                                                   has_h0=h0))

    # 2. LSTM with projections: hidden 5, proj 3, layers {1,2} x {uni,bi} x h0, batch_first mixed.
    for layers in (1, 2):
        for bi in (False, True):
            for h0 in (True, False):
                bf = (layers + int(bi) + int(h0)) % 2 == 1
                cid = "lstm_p3_l%d_%s_%s_%s" % (layers, _dir(bi), _bf(bf), _h0(h0))
                cases.append(make_case(cid, "LSTM", 3, 5, layers, True, bf, bi, proj_size=3,
                                       has_h0=h0))

    # 3. Unsorted variable lengths: 4 modes x {uni,bi} x layers {1,2}; batch 4, seq 5.
    base_lengths = [3, 5, 1, 4]
    i = 0
    for mode in MODES:
        for bi in (False, True):
            for layers in (1, 2):
                bf = (i + i // 2) % 2 == 0  # per mode: uni/l1 bf, uni/l2 sf, bi/l1 sf, bi/l2 bf
                h0 = layers == 2 and (bi or mode in ("RNN_TANH", "LSTM"))
                r = i % 4  # rotate so that the full-length sequence moves around the batch
                lengths = base_lengths[r:] + base_lengths[:r]
                cid = "%s_len_l%d_%s_%s_%s" % (MODE_TOKEN[mode], layers, _dir(bi), _bf(bf), _h0(h0))
                cases.append(make_case(cid, mode, 3, 5, layers, True, bf, bi, batch=4, seq=5,
                                       has_h0=h0, lengths=lengths))
                i += 1
    cases.append(make_case("lstm_p3_len_l2_bi_bf_h0", "LSTM", 3, 5, 2, True, True, True,
                           proj_size=3, batch=4, seq=5, has_h0=True, lengths=[2, 5, 4, 1]))

    # 4. Unbatched 2-D input (seq, input_size): 4 modes x {uni,bi} x h0; 2 layers for some,
    #    batch_first set for some (PyTorch ignores batch_first for unbatched input).
    for mode in MODES:
        for bi in (False, True):
            for h0 in (True, False):
                layers = 2 if bi != h0 else 1
                bf = (MODES.index(mode) + int(h0)) % 2 == 1
                cid = "%s_unb_l%d_%s_%s_%s" % (MODE_TOKEN[mode], layers, _dir(bi), _bf(bf), _h0(h0))
                cases.append(make_case(cid, mode, 3, 5, layers, True, bf, bi, seq=4,
                                       has_h0=h0, batched=False))

    # 5. float64: every mode, 2 layers, bidirectional, with h0; plus LSTM with lengths / proj.
    for mode in MODES:
        cid = "%s_f64_l2_bi_sf_h0" % MODE_TOKEN[mode]
        cases.append(make_case(cid, mode, 3, 5, 2, True, False, True, has_h0=True,
                               dtype="float64"))
    cases.append(make_case("lstm_f64_len_l2_bi_bf_h0", "LSTM", 3, 5, 2, True, True, True,
                           batch=4, seq=5, has_h0=True, lengths=[4, 1, 5, 3], dtype="float64"))
    cases.append(make_case("lstm_f64_p3_l2_bi_sf_h0", "LSTM", 3, 5, 2, True, False, True,
                           proj_size=3, has_h0=True, dtype="float64"))

    # 6. The seed article's sizes: arange(1, 21).view(4, 5, 1), RNN tanh, input 1, hidden 2.
    seed_data = torch.arange(1, 21, dtype=torch.float32).view(4, 5, 1)
    for cid, layers, bi in (("seed_vanilla", 1, False), ("seed_stacked", 3, False),
                            ("seed_bidirectional", 1, True), ("seed_stacked_bidirectional", 3, True)):
        cases.append(make_case(cid, "RNN_TANH", 1, 2, layers, True, True, bi, batch=4, seq=5,
                               data=seed_data))

    # 7. One larger case per mode: input 16, hidden 32, 2 layers, bi, batch 8, seq 12.
    for k, mode in enumerate(MODES):
        bf, h0 = k in (1, 2), k in (0, 2)
        cid = "%s_large_l2_bi_%s_%s" % (MODE_TOKEN[mode], _bf(bf), _h0(h0))
        cases.append(make_case(cid, mode, 16, 32, 2, True, bf, True, batch=8, seq=12, has_h0=h0))

    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for c in cases:
        c["seed"] = zlib.crc32(c["id"].encode("ascii")) & 0x7FFFFFFF
    return cases


# --------------------------------------------------------------------------------------------
# Running one case
# --------------------------------------------------------------------------------------------

def torch_config(case):
    """The constructor args, key order as in config.json."""
    cfg = OrderedDict()
    cfg["mode"] = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(case["mode"], case["mode"])
    cfg["input_size"] = case["input_size"]
    cfg["hidden_size"] = case["hidden_size"]
    cfg["num_layers"] = case["num_layers"]
    cfg["bias"] = case["bias"]
    cfg["batch_first"] = case["batch_first"]
    cfg["dropout"] = 0.0
    cfg["bidirectional"] = case["bidirectional"]
    if cfg["mode"] == "RNN":
        cfg["nonlinearity"] = "relu" if case["mode"] == "RNN_RELU" else "tanh"
    if cfg["mode"] == "LSTM":
        cfg["proj_size"] = case["proj_size"]
    return cfg


def build_module(case):
    """torch.manual_seed(seed), then the module with PyTorch's default init, in eval mode."""
    cfg = torch_config(case)
    kwargs = {k: v for k, v in cfg.items() if k != "mode"}
    torch.manual_seed(case["seed"])
    module = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cfg["mode"]](**kwargs)
    if case["dtype"] == "float64":
        module = module.double()
    return module.eval()


def shapes(case):
    """(input shape, h0 shape, c0 shape) as the module receives them."""
    d = 2 if case["bidirectional"] else 1
    layers, n, t = case["num_layers"], case["batch"], case["seq"]
    h_out = case["proj_size"] or case["hidden_size"]
    if not case["batched"]:
        return (t, case["input_size"]), (d * layers, h_out), (d * layers, case["hidden_size"])
    x = (n, t, case["input_size"]) if case["batch_first"] else (t, n, case["input_size"])
    return x, (d * layers, n, h_out), (d * layers, n, case["hidden_size"])


def make_inputs(case):
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    gen = torch.Generator().manual_seed(case["seed"])
    x_shape, h_shape, c_shape = shapes(case)
    inputs = OrderedDict()
    if case["data"] is not None:
        x = case["data"].to(dtype)
        assert tuple(x.shape) == x_shape, (case["id"], tuple(x.shape), x_shape)
    else:
        x = torch.randn(x_shape, generator=gen, dtype=dtype)
    inputs["input"] = x
    if case["has_h0"]:
        inputs["h0"] = torch.randn(h_shape, generator=gen, dtype=dtype)
        if case["mode"] == "LSTM":
            inputs["c0"] = torch.randn(c_shape, generator=gen, dtype=dtype)
    if case["lengths"] is not None:
        lengths = torch.tensor(case["lengths"], dtype=torch.int64)
        assert lengths.numel() == case["batch"] and int(lengths.max()) == case["seq"]
        assert case["lengths"] != sorted(case["lengths"], reverse=True), "lengths must be unsorted"
        # Padded positions keep their random (nonzero) values, so reading past a length shows.
        t_axis = 1 if case["batch_first"] else 0
        assert bool((x != 0).all()), "padding must be nonzero"
        assert x.shape[t_axis] == case["seq"]
        inputs["lengths"] = lengths
    return inputs


def run_module(case, module, inputs):
    """Forward in eval mode, no grad; returns OrderedDict output, h_n (, c_n)."""
    x = inputs["input"]
    hx = None
    if "h0" in inputs:
        hx = (inputs["h0"], inputs["c0"]) if case["mode"] == "LSTM" else inputs["h0"]
    with torch.no_grad():
        if "lengths" in inputs:
            packed = pack_padded_sequence(x, inputs["lengths"], batch_first=case["batch_first"],
                                          enforce_sorted=False)
            out, state = module(packed, hx)
            out, _ = pad_packed_sequence(out, batch_first=case["batch_first"],
                                         total_length=case["seq"])
        else:
            out, state = module(x, hx)
    result = OrderedDict([("output", out)])
    if case["mode"] == "LSTM":
        result["h_n"], result["c_n"] = state
    else:
        result["h_n"] = state
    return result


def manifest_entry(case):
    atol, rtol = TOLERANCES[case["dtype"]]
    return OrderedDict([
        ("id", case["id"]), ("mode", case["mode"]), ("dtype", case["dtype"]),
        ("seed", case["seed"]), ("batched", case["batched"]), ("has_h0", case["has_h0"]),
        ("has_lengths", case["lengths"] is not None), ("atol", atol), ("rtol", rtol),
        ("config", torch_config(case)),
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
        inputs = make_inputs(case)
        expected = run_module(case, module, inputs)
        fixture_io.write_json(os.path.join(case_dir, "config.json"), torch_config(case))
        write_safetensors(os.path.join(case_dir, "weights.safetensors"), module.state_dict())
        write_safetensors(os.path.join(case_dir, "input.safetensors"), inputs)
        write_safetensors(os.path.join(case_dir, "expected.safetensors"), expected)
    size = fixture_io.write_manifest(OUT_DIR, GENERATOR, TORCH_VERSION, [manifest_entry(c) for c in cases])
    print("wrote %d cases (%d bytes) to %s with torch %s" % (
        len(cases), size, os.path.relpath(OUT_DIR, REPO_ROOT), TORCH_VERSION))


# --------------------------------------------------------------------------------------------
# Verification: own reader + independent numpy reference of the recurrences
# --------------------------------------------------------------------------------------------

def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def reference_forward(cfg, mode, w, x, h0, c0, lengths):
    """The documented torch.nn.RNN/LSTM/GRU equations in float64 numpy, one sequence at a time."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    x = x.astype(np.float64)
    layers, hidden = cfg["num_layers"], cfg["hidden_size"]
    d_count = 2 if cfg["bidirectional"] else 1
    proj = cfg.get("proj_size", 0)
    h_out = proj or hidden
    unbatched = x.ndim == 2
    if unbatched:  # batch_first is ignored for unbatched input
        x = x[:, None, :]
        h0 = None if h0 is None else h0[:, None, :]
        c0 = None if c0 is None else c0[:, None, :]
    elif cfg["batch_first"]:
        x = x.transpose(1, 0, 2)
    t_len, n, _ = x.shape
    lens = [t_len] * n if lengths is None else [int(v) for v in lengths]
    h0 = np.zeros((layers * d_count, n, h_out)) if h0 is None else h0.astype(np.float64)
    c0 = np.zeros((layers * d_count, n, hidden)) if c0 is None else c0.astype(np.float64)
    h_n = np.zeros((layers * d_count, n, h_out))
    c_n = np.zeros((layers * d_count, n, hidden))

    def cell(sfx, xt, h, c):
        gi = w["weight_ih" + sfx] @ xt + w.get("bias_ih" + sfx, 0.0)
        gh = w["weight_hh" + sfx] @ h + w.get("bias_hh" + sfx, 0.0)
        if mode == "RNN_TANH":
            return np.tanh(gi + gh), c
        if mode == "RNN_RELU":
            return np.maximum(gi + gh, 0.0), c
        if mode == "GRU":
            r = _sigmoid(gi[:hidden] + gh[:hidden])
            z = _sigmoid(gi[hidden:2 * hidden] + gh[hidden:2 * hidden])
            nn_ = np.tanh(gi[2 * hidden:] + r * gh[2 * hidden:])
            return (1.0 - z) * nn_ + z * h, c
        g = gi + gh  # LSTM, gates (i, f, g, o)
        i_, f_ = _sigmoid(g[:hidden]), _sigmoid(g[hidden:2 * hidden])
        g_, o_ = np.tanh(g[2 * hidden:3 * hidden]), _sigmoid(g[3 * hidden:])
        c = f_ * c + i_ * g_
        h = o_ * np.tanh(c)
        if proj:
            h = w["weight_hr" + sfx] @ h
        return h, c

    layer_in = x
    for layer in range(layers):
        out = np.zeros((t_len, n, d_count * h_out))
        for d in range(d_count):
            sfx = "_l%d%s" % (layer, "_reverse" if d else "")
            k = layer * d_count + d
            for b in range(n):
                h, c = h0[k, b], c0[k, b]
                steps = range(lens[b]) if d == 0 else reversed(range(lens[b]))
                for t in steps:
                    h, c = cell(sfx, layer_in[t, b], h, c)
                    out[t, b, d * h_out:(d + 1) * h_out] = h
                h_n[k, b], c_n[k, b] = h, c
        layer_in = out
    out = layer_in
    if unbatched:
        out, h_n, c_n = out[:, 0, :], h_n[:, 0, :], c_n[:, 0, :]
    elif cfg["batch_first"]:
        out = out.transpose(1, 0, 2)
    result = OrderedDict([("output", out), ("h_n", h_n)])
    if mode == "LSTM":
        result["c_n"] = c_n
    return result


def verify():
    torch.set_num_threads(1)
    cases = build_cases()
    with open(os.path.join(OUT_DIR, "manifest.json")) as f:
        manifest = json.load(f, object_pairs_hook=OrderedDict)
    assert manifest["generator"] == GENERATOR and manifest["torch_version"] == TORCH_VERSION
    assert [c["id"] for c in manifest["cases"]] == [c["id"] for c in cases], "manifest case ids"
    on_disk = sorted(e for e in os.listdir(OUT_DIR) if e != "manifest.json")
    assert on_disk == sorted(c["id"] for c in cases), "case folders differ from the grid"
    worst = {"float32": 0.0, "float64": 0.0}
    for case, entry in zip(cases, manifest["cases"]):
        cid = case["id"]
        case_dir = os.path.join(OUT_DIR, cid)
        assert sorted(os.listdir(case_dir)) == sorted(
            ["config.json", "weights.safetensors", "input.safetensors", "expected.safetensors"]), cid
        with open(os.path.join(case_dir, "config.json")) as f:
            cfg = json.load(f, object_pairs_hook=OrderedDict)
        assert list(cfg.items()) == list(torch_config(case).items()), cid
        assert entry == manifest_entry(case), cid
        assert list(entry["config"].items()) == list(cfg.items()), cid
        st_float = "F64" if case["dtype"] == "float64" else "F32"

        module = build_module(case)
        files = {}
        for name in ("weights", "input", "expected"):
            meta, tensors = read_safetensors(os.path.join(case_dir, name + ".safetensors"))
            assert meta == METADATA, (cid, name, meta)
            files[name] = tensors

        # weights: names, order, dtype, shape and values equal to a freshly built module's.
        sd = module.state_dict()
        assert list(files["weights"].keys()) == list(sd.keys()), (cid, list(files["weights"]))
        for k, (dt, arr) in files["weights"].items():
            assert dt == st_float and tuple(arr.shape) == tuple(sd[k].shape), (cid, k)
            assert np.array_equal(arr, sd[k].numpy()), (cid, k, "weights not reproducible")

        # input: names, dtype, shapes.
        x_shape, h_shape, c_shape = shapes(case)
        want = [("input", st_float, x_shape)]
        if case["has_h0"]:
            want.append(("h0", st_float, h_shape))
            if case["mode"] == "LSTM":
                want.append(("c0", st_float, c_shape))
        if case["lengths"] is not None:
            want.append(("lengths", "I64", (case["batch"],)))
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["input"].items()]
        assert got == want, (cid, got, want)
        reference_inputs = make_inputs(case)
        for k, (_, arr) in files["input"].items():
            assert np.array_equal(arr, reference_inputs[k].numpy()), (cid, k, "inputs not reproducible")

        # expected: rerun the module on the stored weights and inputs; shapes and exact values.
        fresh = build_module(case)
        fresh.load_state_dict(OrderedDict((k, torch.from_numpy(a.copy())) for k, (_, a) in
                                          files["weights"].items()))
        stored_inputs = OrderedDict((k, torch.from_numpy(a.copy())) for k, (_, a) in
                                    files["input"].items())
        rerun = run_module(case, fresh, stored_inputs)
        assert list(files["expected"].keys()) == list(rerun.keys()), cid
        d = 2 if case["bidirectional"] else 1
        h_out = case["proj_size"] or case["hidden_size"]
        out_shape = tuple(x_shape[:-1]) + (d * h_out,)
        exp_shapes = {"output": out_shape, "h_n": h_shape, "c_n": c_shape}
        for k, (dt, arr) in files["expected"].items():
            assert dt == st_float and tuple(arr.shape) == exp_shapes[k], (cid, k, arr.shape)
            assert np.array_equal(arr, rerun[k].numpy()), (cid, k, "expected not reproducible")

        # Padded outputs are zero; independent numpy reference within the case tolerance.
        if case["lengths"] is not None:
            out = files["expected"]["output"][1]
            for b, length in enumerate(case["lengths"]):
                pad = out[b, length:] if case["batch_first"] else out[length:, b]
                assert not pad.any(), (cid, "nonzero output past a sequence's length")
        np_in = {k: a for k, (_, a) in files["input"].items()}
        ref = reference_forward(cfg, case["mode"], {k: a for k, (_, a) in files["weights"].items()},
                                np_in["input"], np_in.get("h0"), np_in.get("c0"), np_in.get("lengths"))
        atol, rtol = entry["atol"], entry["rtol"]
        for k, (_, arr) in files["expected"].items():
            err = np.abs(arr.astype(np.float64) - ref[k])
            assert (err <= atol + rtol * np.abs(ref[k])).all(), (cid, k, float(err.max()))
            worst[case["dtype"]] = max(worst[case["dtype"]], float(err.max()))
    print("verified %d cases in %s; max |fixture - numpy float64 reference|: float32 %.3g, float64 %.3g"
          % (len(cases), os.path.relpath(OUT_DIR, REPO_ROOT), worst["float32"], worst["float64"]))


if __name__ == "__main__":
    sys.exit(fixture_io.run_generator(__doc__, generate, verify))
