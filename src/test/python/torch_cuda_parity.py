#!/usr/bin/python3
"""PyTorch's own GPU-against-CPU agreement on rnn4j's float32 backward fixtures: the yardstick for the GPU
parity bar that rnn4j's CUDA backend is held to (``CudaParityGpuTest``).

For every float32 case under ``src/test/resources/fixtures/backward/torch-*/`` it runs the fixture's
loss (``generate_backward_fixtures.run_backward``: forward, then autograd on the stored upstream gradients)
three times on the stored weights and inputs:

* on the CPU in float32,
* on the GPU in float32 with TF32 off (``torch.backends.cudnn.allow_tf32 = False``: cuDNN's FMA math, as
  rnn4j's strict FP32; cuDNN's algorithm is PyTorch's own choice),
* on the CPU in float64, from the same float32 values widened (the exact result those values define, up
  to float64 rounding).

and writes a Markdown table: per case the largest |gpu - cpu| of the outputs and states and of the
gradients (input, initial states, every parameter), and each side's own float32 error (largest distance
from the float64 run). ``native-test/run.sh`` runs it on the GPU machine when ``python3`` has torch with
CUDA; docs/gpu-results.md quotes its summary.

    python3 src/test/python/torch_cuda_parity.py --out torch-parity.md
"""

import argparse
import glob
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import read_safetensors  # noqa: E402
from generate_backward_fixtures import run_backward  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "backward")


def load(case_dir):
    with open(os.path.join(case_dir, "config.json")) as f:
        cfg = json.load(f, object_pairs_hook=OrderedDict)
    tensors = {}
    for name in ("weights", "input", "grad"):
        _, stored = read_safetensors(os.path.join(case_dir, name + ".safetensors"))
        tensors[name] = OrderedDict((k, torch.from_numpy(a.copy())) for k, (_, a) in stored.items())
    return cfg, tensors


def run(cfg, tensors, device, dtype):
    assert cfg["dropout"] == 0, "a fixture with dropout would differ between devices"
    kwargs = {k: v for k, v in cfg.items() if k != "mode"}
    module = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cfg["mode"]](**kwargs)
    module.load_state_dict(tensors["weights"])
    # Training mode, which cuDNN's backward requires; the fixtures have no dropout, so it computes what
    # the fixtures' eval mode does.
    module = module.to(device=device, dtype=dtype).train()

    def move(t):
        return t if not t.is_floating_point() else t.to(device=device, dtype=dtype)

    inputs = OrderedDict((k, move(v) if k != "lengths" else v) for k, v in tensors["input"].items())
    grads = OrderedDict((k, move(v)) for k, v in tensors["grad"].items())
    x = inputs["input"]
    t_axis = 1 if cfg["batch_first"] and x.dim() == 3 else 0
    case = {"id": "", "mode": cfg["mode"], "batch_first": cfg["batch_first"], "seq": x.shape[t_axis]}
    result = run_backward(case, module, inputs, grads)
    return OrderedDict((k, v.detach().to("cpu", torch.float64)) for k, v in result.items())


def largest(a, b, keys):
    return max((float((a[k] - b[k]).abs().max()) for k in keys if a[k].numel()), default=0.0)


def device_name(device):
    return torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else device


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="Markdown file to write")
    ap.add_argument("--device", default="cuda",
                    help="the device compared with the CPU (default cuda; cpu tries the script where there is "
                         "no GPU, and every difference is then zero)")
    args = ap.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("torch_cuda_parity.py: torch sees no CUDA device")
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False

    rows, worst = [], OrderedDict((k, 0.0) for k in ("values", "grads", "cpu_own", "gpu_own"))
    over = 0
    version_dirs = sorted(glob.glob(os.path.join(FIXTURES, "torch-*")))
    for case_dir in sorted(glob.glob(os.path.join(version_dirs[-1], "*", ""))):
        cfg, tensors = load(case_dir)
        if tensors["input"]["input"].dtype != torch.float32:
            continue
        cpu = run(cfg, tensors, "cpu", torch.float32)
        gpu = run(cfg, tensors, args.device, torch.float32)
        exact = run(cfg, tensors, "cpu", torch.float64)
        values = [k for k in cpu if not k.startswith("grad")]
        grads = [k for k in cpu if k.startswith("grad")]
        row = OrderedDict([
            ("values", largest(cpu, gpu, values)),
            ("grads", largest(cpu, gpu, grads)),
            ("cpu_own", largest(cpu, exact, list(cpu))),
            ("gpu_own", largest(gpu, exact, list(cpu))),
        ])
        for k, v in row.items():
            worst[k] = max(worst[k], v)
        over += row["values"] > 1e-5 or row["grads"] > 1e-5
        rows.append("| %s | %s |" % (os.path.basename(os.path.dirname(case_dir)),
                                     " | ".join("%.3g" % v for v in row.values())))

    lines = [
        "PyTorch %s, cuDNN %s, %s; float32, TF32 off; %d cases, %d with a GPU-CPU difference above 1e-5."
        % (torch.__version__, torch.backends.cudnn.version(), device_name(args.device), len(rows), over),
        "Largest |gpu - cpu|: outputs and states %.3g, gradients %.3g. Largest own float32 error (distance "
        "from the float64 run of the same values): CPU %.3g, GPU %.3g."
        % tuple(worst.values()),
        "",
        "| fixture | outputs, states | gradients | CPU f32 own error | GPU f32 own error |",
        "|---|---|---|---|---|",
    ] + rows
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:2]))


if __name__ == "__main__":
    main()
