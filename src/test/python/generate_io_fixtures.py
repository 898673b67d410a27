#!/usr/bin/env python3
"""Generate the fixtures of rnn4j's state_dict key mapping, torch.save detection and parameter counts.

What it produces
----------------
``src/test/resources/fixtures/io/torch-<version>/``, rewritten completely on every run:

* ``net_lstm_fc.safetensors``: the ``state_dict`` of ``Net`` below, a PyTorch model whose submodules
  are named ``lstm`` and ``fc`` (not rnn4j's ``rnn`` and ``head``): ``lstm.weight_ih_l0``, ...,
  ``fc.weight``, ``fc.bias``.
* ``net_lstm_fc_io.safetensors``: ``input`` (N, L, H_in) and ``prediction`` = ``Net(input)``
  (N, out_features), for loading the state dict into rnn4j under renamed keys and comparing.
* ``net_lstm_fc.pt``: the same ``state_dict`` written by ``torch.save`` (the zip format, which starts
  with ``PK\\x03\\x04``), and ``net_lstm_fc_legacy.pt`` by ``torch.save(...,
  _use_new_zipfile_serialization=False)`` (a pickle, which starts with ``\\x80\\x02``): files rnn4j
  must refuse with a message that names the format.
* ``manifest.json``: generator, versions, the Net case (its constructor arguments, the tolerance of the
  prediction) and the ``parameter_counts`` cases: per module its constructor arguments (the keys of
  ``ModelConfigJson``; ``out_features`` for a sequence model's head), ``named_parameters()`` as
  ``[name, shape]`` pairs, and ``sum(p.numel() for p in module.parameters())``.

Weights are PyTorch's default initialization under ``torch.manual_seed(seed)``, the input comes from a
``torch.Generator`` with the same seed; seed = CRC-32 of the case id.

How to run
----------
    /tmp/tv/bin/python src/test/python/generate_io_fixtures.py
"""

import os
import shutil
import sys
import zlib
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_io  # noqa: E402

GENERATOR = "src/test/python/generate_io_fixtures.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VERSION_DIR = "torch-" + torch.__version__.split("+")[0]
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "io", VERSION_DIR)
METADATA = {"generator": GENERATOR, "torch_version": torch.__version__}

# atol: rnn4j's prediction was at most 2.98e-08 (one float32 ulp at 0.46) from PyTorch's; 10x that.
NET = dict(id="net_lstm_fc", input_size=3, hidden_size=5, out_features=2, batch=4, seq=6,
           atol=3e-7, rtol=0.0)

COUNT_CASES = [
    dict(id="lstm", rnn=dict(mode="LSTM", input_size=10, hidden_size=20)),
    dict(id="lstm_l2_bi_proj", rnn=dict(mode="LSTM", input_size=10, hidden_size=20, num_layers=2,
                                        bidirectional=True, proj_size=7)),
    dict(id="gru_l3_bi", rnn=dict(mode="GRU", input_size=4, hidden_size=9, num_layers=3,
                                  bidirectional=True)),
    dict(id="rnn_tanh_nobias", rnn=dict(mode="RNN", nonlinearity="tanh", input_size=6, hidden_size=11, num_layers=2,
                                        bias=False)),
    dict(id="model_lstm_proj_bi", rnn=dict(mode="LSTM", input_size=3, hidden_size=16, num_layers=2,
                                           bidirectional=True, proj_size=4, batch_first=True),
         out_features=5),
    dict(id="model_gru", rnn=dict(mode="GRU", input_size=8, hidden_size=32, batch_first=True),
         out_features=1),
]


class Net(nn.Module):
    """A model as users write it: submodules ``lstm`` and ``fc``, the head on the last step."""

    def __init__(self, input_size, hidden_size, out_features):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, out_features)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def build_rnn(cfg):
    kwargs = {k: v for k, v in cfg.items() if k != "mode"}
    return getattr(nn, cfg["mode"])(**kwargs)


def generate_net():
    seed = zlib.crc32(NET["id"].encode())
    torch.manual_seed(seed)
    net = Net(NET["input_size"], NET["hidden_size"], NET["out_features"]).eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(NET["batch"], NET["seq"], NET["input_size"], generator=gen)
    with torch.no_grad():
        y = net(x)
    sd = net.state_dict()
    base = os.path.join(OUT_DIR, NET["id"])
    fixture_io.write_safetensors(base + ".safetensors", sd, METADATA)
    fixture_io.write_safetensors(base + "_io.safetensors",
                                 OrderedDict([("input", x), ("prediction", y)]), METADATA)
    torch.save(sd, base + ".pt")
    torch.save(sd, base + "_legacy.pt", _use_new_zipfile_serialization=False)
    with open(base + ".pt", "rb") as f:
        assert f.read(4) == b"PK\x03\x04"
    with open(base + "_legacy.pt", "rb") as f:
        assert f.read(2) == b"\x80\x02"
    return OrderedDict([("seed", seed)] + list(NET.items()))


def generate_count(case):
    rnn = build_rnn(case["rnn"])
    module = rnn
    if "out_features" in case:
        d = 2 if case["rnn"].get("bidirectional") else 1
        h_out = case["rnn"].get("proj_size") or case["rnn"]["hidden_size"]
        module = nn.ModuleDict(OrderedDict([("rnn", rnn),
                                            ("head", nn.Linear(d * h_out, case["out_features"]))]))
    params = [[name, list(p.shape)] for name, p in module.named_parameters()]
    entry = OrderedDict([("id", case["id"]), ("rnn", case["rnn"])])
    if "out_features" in case:
        entry["out_features"] = case["out_features"]
    entry["params"] = params
    entry["total"] = sum(p.numel() for p in module.parameters())
    return entry


def main():
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    net = generate_net()
    counts = [generate_count(c) for c in COUNT_CASES]
    fixture_io.write_json(os.path.join(OUT_DIR, "manifest.json"), OrderedDict([
        ("generator", GENERATOR), ("torch_version", torch.__version__), ("net", net),
        ("parameter_counts", counts),
    ]))
    print("wrote %s" % os.path.relpath(OUT_DIR, REPO_ROOT))


if __name__ == "__main__":
    main()
