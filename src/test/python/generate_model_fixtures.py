#!/usr/bin/python3
"""Generate the PyTorch fixtures for rnn4j's sequence model (an RNN plus a linear head): prediction,
loss and the gradients of the loss.

The model
---------
``SequenceModel`` below is the PyTorch twin of rnn4j's sequence model: ``rnn`` (torch.nn.RNN / LSTM /
GRU, batched input in the layout ``rnn.batch_first`` says, zero initial state) followed by
``head = nn.Linear(D * H_out, out_features)``. Its state_dict names are ``rnn.<torch name>`` then
``head.weight``, ``head.bias``.

* many-to-many: ``head`` on every step, ``(N, T, out)`` or ``(T, N, out)``. With ``lengths`` the
  padded steps of the RNN output are zero, so their prediction is ``head(0) = head.bias``.
* many-to-one: ``head`` on the RNN output at each sequence's last valid step, ``out[n, len_n - 1]``
  (batch-first indexing; ``T - 1`` without lengths), giving ``(N, out)``. For a bidirectional RNN that
  is [forward direction after the whole sequence, reverse direction after ONE step (it starts at the
  last valid step)], not ``h_n``'s reverse half.

With ``lengths`` the RNN runs exactly as the backward fixtures:
``pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)`` -> rnn ->
``pad_packed_sequence(out, batch_first, total_length=T)``.

What it produces
----------------
``src/test/resources/fixtures/model/torch-<version>/``, rewritten completely on every run:

* ``manifest.json``: generator, versions and one entry per case: id, mode, dtype, seed, task
  (``regression`` | ``classification``), many_to_one, batched (always true), has_h0 (always false),
  has_lengths, trained, tolerances for loss / gradients (float32 atol 1e-4 rtol 1e-3, float64 1e-9),
  and the model.json dict.
* ``<case_id>/model.json``: ``{"rnn": <config.json of the forward fixtures>, "head": {"in_features",
  "out_features", "bias": true}, "many_to_one": bool}``.
* ``<case_id>/weights.safetensors``: the model's state_dict (``rnn.*``, ``head.*``).
* ``<case_id>/input.safetensors``: ``input``, ``lengths`` (I64, variable-length cases), ``target``
  (float, the prediction's shape, for regression; I64 class indices ``(N,)`` for classification).
* ``<case_id>/expected.safetensors``: ``prediction``, ``loss`` (0-d, shape ``[]``: ``mse_loss``
  with mean reduction over every element, padded steps included, for regression;
  ``cross_entropy`` mean for classification), then ``grad.<name>`` for every parameter in state_dict
  order (``grad.rnn.weight_ih_l0``, ..., ``grad.head.bias``) and ``grad_input`` (zero at padded steps).

Weights are PyTorch's default init under ``torch.manual_seed(seed)`` (rnn first, then head), seed =
CRC-32 of the case id. The float64 case redraws every parameter in float64 (``torch.manual_seed(seed)``,
``nn.init.uniform_(p, -k, k)`` in state_dict order, ``k = 1/sqrt(hidden_size)`` for rnn.* and
``1/sqrt(in_features)`` for head.*). Inputs and targets come from ``torch.Generator`` seeded with the
seed. The forecaster case (``lstm_forecaster_trained``) is trained first: full-batch Adam (lr 0.02,
30 steps, MSE) on windows of a noisy sine series, "look at 5 values, predict the next 2"; its
fixture batch is 6 held-out windows of the same series.

How to run
----------
    /usr/bin/python3 src/test/python/generate_model_fixtures.py            # (re)generate
    /usr/bin/python3 src/test/python/generate_model_fixtures.py --verify   # check what is on disk

``--verify`` re-reads every file, checks names, dtypes and shapes, reproduces the weights (training
included) and inputs from the seeds, reruns the model and autograd on the stored files (bit-exact),
checks prediction and loss against the forward script's independent numpy float64 reference plus a
numpy head and loss, sampled gradient entries against central finite differences of that reference,
padded many-to-many predictions equal to head.bias, and runs ``check_rnn4j_export.py``'s check on
every case folder.
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
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402
import generate_forward_fixtures as fwd  # noqa: E402  (configs and the numpy reference)
from fixture_io import read_safetensors  # noqa: E402

GENERATOR = "src/test/python/generate_model_fixtures.py"
REPO_ROOT = fwd.REPO_ROOT
TORCH_VERSION = torch.__version__
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "model", fwd.VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": TORCH_VERSION}

TOLERANCES = {"float32": (1e-4, 1e-3), "float64": (1e-9, 1e-9)}  # (atol, rtol): loss and gradients
CASE_FILES = ["model.json", "weights.safetensors", "input.safetensors", "expected.safetensors"]
TRAIN_STEPS, TRAIN_LR, WINDOW, HORIZON = 30, 0.02, 5, 2


def write_safetensors(path, tensors):
    fixture_io.write_safetensors(path, tensors, METADATA)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

class SequenceModel(nn.Module):
    """rnn4j's sequence model in PyTorch: an RNN plus a linear head (see the module docstring).

    ``forward(x, lengths=None)``: ``x`` batched, ``(N, T, C)`` when ``rnn.batch_first`` else
    ``(T, N, C)``; ``lengths`` an int64 CPU tensor ``(N,)`` or None. Returns ``(N, out)`` when
    many-to-one, else ``(N, T, out)`` / ``(T, N, out)``.
    """

    def __init__(self, rnn: nn.RNNBase, out_features: int, many_to_one: bool, head_bias: bool = True):
        super().__init__()
        self.rnn = rnn
        self.many_to_one = many_to_one
        d = 2 if rnn.bidirectional else 1
        h_out = rnn.proj_size if getattr(rnn, "proj_size", 0) > 0 else rnn.hidden_size
        self.head = nn.Linear(d * h_out, out_features, bias=head_bias)

    def forward(self, x, lengths=None):
        bf = self.rnn.batch_first
        n, t = (x.shape[0], x.shape[1]) if bf else (x.shape[1], x.shape[0])
        if lengths is not None:
            packed = pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
            out, _ = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=bf, total_length=t)
        else:
            out, _ = self.rnn(x)
        if self.many_to_one:
            last_step = (lengths - 1) if lengths is not None else torch.full((n,), t - 1,
                                                                             dtype=torch.int64)
            rows = torch.arange(n)
            last = out[rows, last_step] if bf else out[last_step, rows]
            return self.head(last)
        return self.head(out)


def build_rnn(rnn_config):
    """torch.nn.RNN / LSTM / GRU from a config.json dict."""
    kwargs = {k: v for k, v in rnn_config.items() if k != "mode"}
    return {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[rnn_config["mode"]](**kwargs)


def model_from_json(model_json):
    head = model_json["head"]
    model = SequenceModel(build_rnn(model_json["rnn"]), head["out_features"], model_json["many_to_one"],
                          head_bias=head["bias"])
    assert model.head.in_features == head["in_features"], ("head.in_features", head["in_features"],
                                                          model.head.in_features)
    return model


def compute_loss(task, prediction, target):
    if task == "classification":
        return F.cross_entropy(prediction, target)
    return F.mse_loss(prediction, target)


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

def make_case(case_id, mode, input_size, hidden_size, num_layers, batch_first, bidirectional,
              out_features, many_to_one, task="regression", proj_size=0, bias=True, batch=3, seq=4,
              lengths=None, dtype="float32", data=None, trained=False):
    case = fwd.make_case(case_id, mode, input_size, hidden_size, num_layers, bias, batch_first,
                         bidirectional, proj_size, batch, seq, has_h0=False, lengths=lengths,
                         batched=True, dtype=dtype, data=data)
    case.update(out_features=out_features, many_to_one=many_to_one, task=task, trained=trained)
    return case


def build_cases():
    seed_data = torch.arange(1, 21, dtype=torch.float32).view(4, 5, 1)
    cases = [
        # "Look at 5 values, predict the next 2": trained on a noisy sine series.
        make_case("lstm_forecaster_trained", "LSTM", 1, 16, 2, True, False, HORIZON, True,
                  batch=6, seq=WINDOW, trained=True),
        make_case("gru_m2o_bi_len_bf", "GRU", 3, 6, 2, True, True, 2, True, batch=4, seq=6,
                  lengths=[4, 6, 2, 5]),
        make_case("rnnrelu_m2m_l2_sf_nobias", "RNN_RELU", 3, 5, 2, False, False, 3, False, bias=False),
        make_case("lstm_p3_m2m_l2_bi_sf", "LSTM", 3, 6, 2, False, True, 2, False, proj_size=3,
                  seq=5),
        make_case("lstm_f64_m2o_l2_bi_len_bf", "LSTM", 3, 5, 2, True, True, 2, True, batch=4, seq=5,
                  lengths=[3, 1, 5, 4], dtype="float64"),
        make_case("gru_m2o_cls3_bf", "GRU", 3, 8, 1, True, False, 3, True, task="classification",
                  batch=5, seq=4),
        make_case("rnntanh_m2m_bi_len_bf", "RNN_TANH", 3, 5, 1, True, True, 2, False, batch=4, seq=5,
                  lengths=[2, 5, 3, 4]),
        make_case("lstm_m2o_bi_len_sf", "LSTM", 3, 5, 1, False, True, 1, True, batch=4, seq=5,
                  lengths=[5, 2, 4, 3]),
        make_case("rnntanh_m2o_seed_article", "RNN_TANH", 1, 2, 1, True, False, 1, True, batch=4,
                  seq=5, data=seed_data),
        make_case("lstm_m2o_l2_bi_len_cls4_bf", "LSTM", 3, 6, 2, True, True, 4, True,
                  task="classification", batch=5, seq=5, lengths=[4, 2, 5, 1, 3]),
    ]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert sum(c["dtype"] == "float64" for c in cases) == 1
    for c in cases:
        c["seed"] = zlib.crc32(c["id"].encode("ascii")) & 0x7FFFFFFF
        if c["lengths"] is not None:
            assert max(c["lengths"]) == c["seq"] and len(c["lengths"]) == c["batch"]
            assert c["lengths"] != sorted(c["lengths"], reverse=True), "lengths must be unsorted"
    return cases


def model_json(case):
    d = 2 if case["bidirectional"] else 1
    return OrderedDict([
        ("rnn", fwd.torch_config(case)),
        ("head", OrderedDict([("in_features", d * (case["proj_size"] or case["hidden_size"])),
                              ("out_features", case["out_features"]), ("bias", True)])),
        ("many_to_one", case["many_to_one"]),
    ])


def x_shape(case):
    n, t, c = case["batch"], case["seq"], case["input_size"]
    return (n, t, c) if case["batch_first"] else (t, n, c)


def prediction_shape(case):
    if case["many_to_one"]:
        return (case["batch"], case["out_features"])
    return x_shape(case)[:2] + (case["out_features"],)


def forecaster_series(case):
    """A noisy sine series (float32): sin(0.35 t) + 0.1 * N(0, 1), t = 0..139."""
    gen = torch.Generator().manual_seed(case["seed"])
    t = torch.arange(140, dtype=torch.float32)
    return torch.sin(0.35 * t) + 0.1 * torch.randn(140, generator=gen)


def windows(series, starts):
    x = torch.stack([series[s:s + WINDOW] for s in starts]).unsqueeze(-1)  # (N, 5, 1)
    y = torch.stack([series[s + WINDOW:s + WINDOW + HORIZON] for s in starts])  # (N, 2)
    return x, y


def train_forecaster(case, model):
    """Full-batch Adam on the windows starting at 0..99; returns (first, last) training loss."""
    series = forecaster_series(case)
    x, y = windows(series, range(0, 100))
    opt = torch.optim.Adam(model.parameters(), lr=TRAIN_LR)
    model.train()
    losses = []
    for _ in range(TRAIN_STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    with torch.no_grad():
        losses.append(float(F.mse_loss(model(x), y)))
    return losses[0], losses[-1]


def build_model(case):
    """Default init under the case seed (float64: redrawn in float64), trained if the case says so."""
    torch.manual_seed(case["seed"])
    rnn = build_rnn(fwd.torch_config(case))
    model = SequenceModel(rnn, case["out_features"], case["many_to_one"])
    info = None
    if case["dtype"] == "float64":
        model = model.double()
        torch.manual_seed(case["seed"])
        with torch.no_grad():
            for name, p in model.named_parameters():
                fan = case["hidden_size"] if name.startswith("rnn.") else model.head.in_features
                k = 1.0 / math.sqrt(fan)
                nn.init.uniform_(p, -k, k)
    if case["trained"]:
        info = train_forecaster(case, model)
    return model.eval(), info


def make_inputs(case):
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    inputs = OrderedDict()
    if case["trained"]:
        x, y = windows(forecaster_series(case), range(102, 132, 5))  # held out: t >= 102
        inputs["input"] = x.to(dtype)
        target = y.to(dtype)
    else:
        gen = torch.Generator().manual_seed(case["seed"])
        x = case["data"].to(dtype) if case["data"] is not None else torch.randn(
            x_shape(case), generator=gen, dtype=dtype)
        inputs["input"] = x
        if case["task"] == "classification":
            target = torch.randint(0, case["out_features"], (case["batch"],), generator=gen,
                                   dtype=torch.int64)
        else:
            target = torch.randn(prediction_shape(case), generator=gen, dtype=dtype)
    assert tuple(inputs["input"].shape) == x_shape(case), case["id"]
    if case["lengths"] is not None:
        assert bool((inputs["input"] != 0).all()), "padding must be nonzero"
        inputs["lengths"] = torch.tensor(case["lengths"], dtype=torch.int64)
    inputs["target"] = target
    return inputs


def run_model(case, model, inputs):
    """Prediction, loss and autograd gradients (parameters in state_dict order, then the input)."""
    model.zero_grad(set_to_none=True)
    x = inputs["input"].detach().clone().requires_grad_()
    with torch.enable_grad():
        prediction = model(x, inputs.get("lengths"))
        loss = compute_loss(case["task"], prediction, inputs["target"])
        loss.backward()
    result = OrderedDict([("prediction", prediction.detach()), ("loss", loss.detach())])
    for name, p in model.named_parameters():
        assert p.grad is not None, (case["id"], name)
        result["grad." + name] = p.grad.detach().clone()
    result["grad_input"] = x.grad
    assert result["loss"].shape == ()
    return result


def manifest_entry(case):
    atol, rtol = TOLERANCES[case["dtype"]]
    return OrderedDict([
        ("id", case["id"]), ("mode", case["mode"]), ("dtype", case["dtype"]),
        ("seed", case["seed"]), ("task", case["task"]), ("many_to_one", case["many_to_one"]),
        ("batched", True), ("has_h0", False), ("has_lengths", case["lengths"] is not None),
        ("trained", case["trained"]), ("atol", atol), ("rtol", rtol), ("model", model_json(case)),
    ])


def generate():
    torch.set_num_threads(1)
    cases = build_cases()
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    notes = []
    for case in cases:
        case_dir = os.path.join(OUT_DIR, case["id"])
        os.makedirs(case_dir)
        model, info = build_model(case)
        inputs = make_inputs(case)
        expected = run_model(case, model, inputs)
        if info is not None:
            notes.append("%s: training MSE %.4f -> %.4f, held-out batch MSE %.4f" % (
                case["id"], info[0], info[1], float(expected["loss"])))
        fixture_io.write_json(os.path.join(case_dir, "model.json"), model_json(case))
        write_safetensors(os.path.join(case_dir, "weights.safetensors"), model.state_dict())
        write_safetensors(os.path.join(case_dir, "input.safetensors"), inputs)
        write_safetensors(os.path.join(case_dir, "expected.safetensors"), expected)
    size = fixture_io.write_manifest(OUT_DIR, GENERATOR, TORCH_VERSION, [manifest_entry(c) for c in cases])
    print("wrote %d cases (%d bytes) to %s with torch %s; %s" % (
        len(cases), size, os.path.relpath(OUT_DIR, REPO_ROOT), TORCH_VERSION, "; ".join(notes)))


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------

FD_SAMPLES = 3
FD_EPS = (1e-6, 1e-8)
FD_TOL = {"float32": (1e-4, 1e-3), "float64": (1e-6, 1e-6)}


def reference_model(case, cfg, w, x, lengths, target):
    """numpy float64: fwd.reference_forward, the head, the loss. Returns (prediction, loss)."""
    rnn_w = {k[len("rnn."):]: v for k, v in w.items() if k.startswith("rnn.")}
    out = fwd.reference_forward(cfg, case["mode"], rnn_w, x, None, None, lengths)["output"]
    if case["many_to_one"]:
        n, t = case["batch"], case["seq"]
        last = [(int(lengths[b]) if lengths is not None else t) - 1 for b in range(n)]
        out = np.stack([out[b, last[b]] if case["batch_first"] else out[last[b], b]
                        for b in range(n)])
    pred = out @ w["head.weight"].T + w["head.bias"]
    if case["task"] == "classification":
        z = pred - pred.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(np.mean(logp[np.arange(len(target)), target]))
    else:
        loss = float(np.mean((pred - target) ** 2))
    return pred, loss


def numpy_checks(case, cfg, weights, inputs, expected):
    """Prediction / loss vs the numpy reference; sampled gradients vs central finite differences."""
    w = {k: a.astype(np.float64) for k, a in weights.items()}
    x = inputs["input"].astype(np.float64)
    lengths = inputs.get("lengths")
    target = inputs["target"] if case["task"] == "classification" else inputs["target"].astype(
        np.float64)
    atol, rtol = TOLERANCES[case["dtype"]]
    pred, loss = reference_model(case, cfg, w, x, lengths, target)
    err = np.abs(expected["prediction"].astype(np.float64) - pred)
    assert (err <= atol + rtol * np.abs(pred)).all(), (case["id"], "prediction", float(err.max()))
    assert abs(float(expected["loss"]) - loss) <= atol + rtol * abs(loss), (case["id"], "loss")
    worst = float(err.max())
    rng = np.random.RandomState(case["seed"])
    fd_atol, fd_rtol = FD_TOL[case["dtype"]]
    targets = [("grad." + k, w, k) for k in weights] + [("grad_input", {"input": x}, "input")]
    for gname, store, key in targets:
        arr = store[key]
        picks = [tuple(rng.randint(s) for s in arr.shape) for _ in range(FD_SAMPLES)]
        for idx in picks:
            got = float(expected[gname][idx])
            tried = []
            for eps in FD_EPS:
                orig = arr[idx]
                arr[idx] = orig + eps
                up = reference_model(case, cfg, w, x, lengths, target)[1]
                arr[idx] = orig - eps
                down = reference_model(case, cfg, w, x, lengths, target)[1]
                arr[idx] = orig
                fd = (up - down) / (2 * eps)
                tried.append((eps, fd))
                if abs(got - fd) <= fd_atol + fd_rtol * abs(fd):
                    break
            else:
                raise AssertionError((case["id"], gname, idx, got, tried))
    return worst


def verify():
    import check_rnn4j_export  # the rnn4j export checker must accept our own fixtures

    torch.set_num_threads(1)
    cases = build_cases()
    with open(os.path.join(OUT_DIR, "manifest.json")) as f:
        manifest = json.load(f, object_pairs_hook=OrderedDict)
    assert manifest["generator"] == GENERATOR and manifest["torch_version"] == TORCH_VERSION
    assert manifest["numpy_version"] == np.__version__
    assert [c["id"] for c in manifest["cases"]] == [c["id"] for c in cases], "manifest case ids"
    on_disk = sorted(e for e in os.listdir(OUT_DIR) if e != "manifest.json")
    assert on_disk == sorted(c["id"] for c in cases), "case folders differ from the case list"
    worst = {"float32": 0.0, "float64": 0.0}
    for case, entry in zip(cases, manifest["cases"]):
        cid = case["id"]
        case_dir = os.path.join(OUT_DIR, cid)
        assert sorted(os.listdir(case_dir)) == sorted(CASE_FILES), cid
        with open(os.path.join(case_dir, "model.json")) as f:
            mj = json.load(f, object_pairs_hook=OrderedDict)
        assert json.dumps(mj) == json.dumps(model_json(case)), cid  # keys in order too
        assert entry == manifest_entry(case), cid
        st_float = "F64" if case["dtype"] == "float64" else "F32"
        files = {}
        for name in ("weights", "input", "expected"):
            meta, tensors = read_safetensors(os.path.join(case_dir, name + ".safetensors"))
            assert meta == METADATA, (cid, name, meta)
            files[name] = tensors
        arrays = {name: OrderedDict((k, a) for k, (_, a) in t.items()) for name, t in files.items()}

        model, _ = build_model(case)  # training included
        sd = model.state_dict()
        assert list(sd.keys())[-2:] == ["head.weight", "head.bias"], cid
        assert all(k.startswith("rnn.") for k in list(sd.keys())[:-2]), cid
        assert list(files["weights"].keys()) == list(sd.keys()), cid
        for k, (dt, arr) in files["weights"].items():
            assert dt == st_float and tuple(arr.shape) == tuple(sd[k].shape), (cid, k)
            assert np.array_equal(arr, sd[k].numpy()), (cid, k, "weights not reproducible")
            if case["dtype"] == "float64":
                assert not np.array_equal(arr.astype(np.float32).astype(np.float64), arr), (cid, k)

        want = [("input", st_float, x_shape(case))]
        if case["lengths"] is not None:
            want.append(("lengths", "I64", (case["batch"],)))
        if case["task"] == "classification":
            want.append(("target", "I64", (case["batch"],)))
        else:
            want.append(("target", st_float, prediction_shape(case)))
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["input"].items()]
        assert got == want, (cid, got, want)
        fresh_inputs = make_inputs(case)
        for k, arr in arrays["input"].items():
            assert np.array_equal(arr, fresh_inputs[k].numpy()), (cid, k, "inputs not reproducible")

        want = [("prediction", st_float, prediction_shape(case)), ("loss", st_float, ())]
        want += [("grad." + k, st_float, tuple(v.shape)) for k, v in sd.items()]
        want.append(("grad_input", st_float, x_shape(case)))
        got = [(k, dt, tuple(a.shape)) for k, (dt, a) in files["expected"].items()]
        assert got == want, (cid, got, want)

        # Rerun from the stored files alone: model.json -> model, strict load, bit-exact results.
        stored = model_from_json(mj)
        if case["dtype"] == "float64":
            stored = stored.double()
        stored.load_state_dict(OrderedDict((k, torch.from_numpy(a.copy()))
                                           for k, a in arrays["weights"].items()), strict=True)
        stored.eval()
        rerun = run_model(case, stored, OrderedDict((k, torch.from_numpy(a.copy()))
                                                    for k, a in arrays["input"].items()))
        assert list(rerun.keys()) == list(arrays["expected"].keys()), cid
        for k, arr in arrays["expected"].items():
            assert np.array_equal(arr, rerun[k].numpy()), (cid, k, "expected not reproducible")

        if case["lengths"] is not None:
            mask = np.zeros(x_shape(case)[:2], dtype=bool)
            for b, length in enumerate(case["lengths"]):
                if case["batch_first"]:
                    mask[b, length:] = True
                else:
                    mask[length:, b] = True
            assert not arrays["expected"]["grad_input"][mask].any(), (cid, "grad_input at padding")
            if not case["many_to_one"]:  # padded steps predict head(0) = head.bias, exactly
                pad_pred = arrays["expected"]["prediction"][mask]
                assert np.array_equal(pad_pred, np.broadcast_to(arrays["weights"]["head.bias"],
                                                                pad_pred.shape)), cid
        worst[case["dtype"]] = max(worst[case["dtype"]], numpy_checks(
            case, mj["rnn"], arrays["weights"], arrays["input"], arrays["expected"]))
        ok, verdict = check_rnn4j_export.check(case_dir)
        assert ok, verdict
    print("verified %d cases in %s (bit-exact rerun from the files, check_rnn4j_export passes); "
          "max |prediction - numpy float64 reference|: float32 %.3g, float64 %.3g"
          % (len(cases), os.path.relpath(OUT_DIR, REPO_ROOT), worst["float32"], worst["float64"]))


if __name__ == "__main__":
    sys.exit(fixture_io.run_generator(__doc__, generate, verify))
