#!/usr/bin/env python3
"""Generate the training-loop fixtures: a sequence model trained for some steps through PyTorch's own
loop, the loss of every step recorded, for rnn4j's LossTrajectoryTest to follow step by step.

The loop
--------
For every step k: ``prediction = model(input_k, lengths_k)``, ``loss = loss_fn(prediction, target_k)``,
``loss.backward()``, ``clip_grad_norm_(model.parameters(), clip_norm)`` when clip_norm > 0,
``optimizer.step()``, ``optimizer.zero_grad()``. ``model`` is generate_model_fixtures.py's
``SequenceModel`` (an RNN plus a linear head), in training mode, without dropout. The loss is
``mse_loss`` (mean) for regression and ``cross_entropy`` (mean) of ``prediction.reshape(-1, C)``
against the labels in the same row order for classification.

What it produces
----------------
``src/test/resources/fixtures/loop/torch-<version>/``, rewritten completely on every run:

* ``manifest.json``: generator, versions, and per case: id, dtype, task, steps, clip_norm, the
  optimizer (as OptimizerConfig.toJson writes it) and the tolerance: the largest relative difference
  of a step's loss from PyTorch's (float32 1e-5, float64 1e-9: the issue's bar).
* ``<case>/model.json`` and ``<case>/weights.safetensors``: the model before training, as
  ``ModelFiles.read`` loads it.
* ``<case>/steps.safetensors``: ``input.<k>``, ``lengths.<k>`` (I64, when the case has lengths),
  ``target.<k>`` (float, the prediction's shape; or I64 labels in the prediction's row order) and
  ``loss.<k>`` (0-d) for every step k, then ``final.<name>`` for every parameter after the last step.

Weights are PyTorch's default initialization under ``torch.manual_seed(seed)`` (seed = CRC-32 of the
case id), redrawn in float64 for float64 cases; data come from a ``torch.Generator`` with the same seed.

How to run
----------
    python src/test/python/generate_loop_fixtures.py
"""

import json
import os
import shutil
import sys
import zlib
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402
from generate_model_fixtures import SequenceModel, build_rnn  # noqa: E402

GENERATOR = "src/test/python/generate_loop_fixtures.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VERSION_DIR = "torch-" + torch.__version__.split("+")[0]
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "loop", VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": torch.__version__}
TOLERANCE = {"float32": 1e-5, "float64": 1e-9}

CASES = [
    # Another shape than the contract program's GRU classifier: a stacked LSTM regressor, variable lengths.
    dict(id="lstm_m2o_l2_len_mse_adam_f32", dtype="float32", task="regression",
         rnn=dict(mode="LSTM", input_size=4, hidden_size=16, num_layers=2, batch_first=True),
         out_features=3, many_to_one=True, batch=8, seq=10, lengths=True, steps=20, clip_norm=1.0,
         optimizer=dict(type="adam", lr=0.01, betas=[0.9, 0.999], eps=1e-08, weight_decay=0.0,
                        amsgrad=False)),
    dict(id="lstm_m2o_l2_len_mse_adam_f64", dtype="float64", task="regression",
         rnn=dict(mode="LSTM", input_size=4, hidden_size=16, num_layers=2, batch_first=True),
         out_features=3, many_to_one=True, batch=8, seq=10, lengths=True, steps=20, clip_norm=1.0,
         optimizer=dict(type="adam", lr=0.01, betas=[0.9, 0.999], eps=1e-08, weight_decay=0.0,
                        amsgrad=False)),
    # Many-to-many classification, sequence first, bidirectional, SGD with Nesterov momentum.
    dict(id="gru_m2m_bi_sf_ce_sgd_f32", dtype="float32", task="classification",
         rnn=dict(mode="GRU", input_size=3, hidden_size=8, num_layers=1, batch_first=False,
                  bidirectional=True),
         out_features=4, many_to_one=False, batch=5, seq=6, lengths=False, steps=15, clip_norm=0.0,
         optimizer=dict(type="sgd", lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0,
                        nesterov=True)),
]


def rnn_json(rnn):
    full = dict(mode=rnn["mode"], input_size=rnn["input_size"], hidden_size=rnn["hidden_size"],
                num_layers=rnn.get("num_layers", 1), bias=True, batch_first=rnn.get("batch_first", False),
                dropout=0.0, bidirectional=rnn.get("bidirectional", False))
    if rnn["mode"] == "LSTM":
        full["proj_size"] = 0
    return full


def optimizer_for(params, cfg):
    if cfg["type"] == "adam":
        return torch.optim.Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"],
                                weight_decay=cfg["weight_decay"], amsgrad=cfg["amsgrad"], foreach=False)
    return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], dampening=cfg["dampening"],
                           weight_decay=cfg["weight_decay"], nesterov=cfg["nesterov"], foreach=False)


def generate(case):
    seed = zlib.crc32(case["id"].encode())
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    rnn_cfg = rnn_json(case["rnn"])
    torch.manual_seed(seed)
    model = SequenceModel(build_rnn(rnn_cfg), case["out_features"], case["many_to_one"])
    if dtype == torch.float64:
        model = model.double()
        torch.manual_seed(seed)
        with torch.no_grad():
            for name, p in model.named_parameters():
                k = 1 / (rnn_cfg["hidden_size"] ** 0.5) if name.startswith("rnn.") else \
                    1 / (model.head.in_features ** 0.5)
                nn.init.uniform_(p, -k, k)
    model.train()
    folder = os.path.join(OUT_DIR, case["id"])
    os.makedirs(folder)
    model_json = {"rnn": rnn_cfg, "head": {"in_features": model.head.in_features,
                                           "out_features": case["out_features"], "bias": True},
                  "many_to_one": case["many_to_one"]}
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(model_json, f, indent=2)
        f.write("\n")
    fixture_io.write_safetensors(os.path.join(folder, "weights.safetensors"), model.state_dict(), METADATA)

    gen = torch.Generator().manual_seed(seed)
    optimizer = optimizer_for(model.parameters(), case["optimizer"])
    n, t, c = case["batch"], case["seq"], case["rnn"]["input_size"]
    bf = rnn_cfg["batch_first"]
    steps = OrderedDict()
    for k in range(case["steps"]):
        x = torch.randn((n, t, c) if bf else (t, n, c), generator=gen, dtype=dtype)
        lengths = torch.randint(1, t + 1, (n,), generator=gen) if case["lengths"] else None
        prediction = model(x, lengths)
        if case["task"] == "regression":
            target = torch.randn(prediction.shape, generator=gen, dtype=dtype)
            loss = F.mse_loss(prediction, target)
        else:
            target = torch.randint(0, case["out_features"], (prediction.numel() // case["out_features"],),
                                   generator=gen)
            loss = F.cross_entropy(prediction.reshape(-1, case["out_features"]), target)
        loss.backward()
        if case["clip_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), case["clip_norm"])
        optimizer.step()
        optimizer.zero_grad()
        steps["input.%d" % k] = x
        if lengths is not None:
            steps["lengths.%d" % k] = lengths
        steps["target.%d" % k] = target
        steps["loss.%d" % k] = loss.detach()
    for name, p in model.state_dict().items():
        steps["final." + name] = p
    fixture_io.write_safetensors(os.path.join(folder, "steps.safetensors"), steps, METADATA)
    return {"id": case["id"], "dtype": case["dtype"], "task": case["task"], "seed": seed,
            "steps": case["steps"], "clip_norm": case["clip_norm"], "optimizer": case["optimizer"],
            "loss_rtol": TOLERANCE[case["dtype"]]}


def main():
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    entries = [generate(c) for c in CASES]
    manifest = {"generator": GENERATOR, "torch_version": torch.__version__, "cases": entries}
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("wrote %d cases to %s" % (len(entries), os.path.relpath(OUT_DIR, REPO_ROOT)))


if __name__ == "__main__":
    main()
