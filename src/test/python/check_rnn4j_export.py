#!/usr/bin/python3
"""Check a sequence model exported by rnn4j against PyTorch.

    /usr/bin/python3 src/test/python/check_rnn4j_export.py MODEL_DIR

``MODEL_DIR`` has the layout of the model fixtures (``generate_model_fixtures.py``):

* ``model.json``: ``{"rnn": <torch.nn.RNN/LSTM/GRU config>, "head": {"in_features", "out_features",
  "bias"}, "many_to_one": bool}``
* ``weights.safetensors``: the state_dict, ``rnn.*`` and ``head.*`` (all F32 or all F64)
* ``input.safetensors``: ``input`` (batched, layout per ``rnn.batch_first``), optional ``lengths``
  (I64 or I32) and optional ``target``
* ``expected.safetensors``: ``prediction`` as computed by rnn4j, optional ``loss``

It reads the files with ``fixture_io.read_safetensors`` (strict: rnn4j's writer must produce the
standard layout), builds ``generate_model_fixtures.SequenceModel`` from model.json, loads the weights
with ``load_state_dict(strict=True)``, runs it in eval mode and requires rnn4j's prediction to match
PyTorch's within atol 2e-5 / rtol 1e-4 (float32) or atol 1e-9 / rtol 1e-9 (float64), elementwise
``|rnn4j - torch| <= atol + rtol * |torch|``. When both ``target`` and ``loss`` are present, the
loss (MSE mean for a float target, cross-entropy mean for an integer one) is checked the same way.

Prints one line, ``PASS ...`` or ``FAIL ...``, and exits 0 or 1.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_io import read_safetensors  # noqa: E402
from generate_model_fixtures import compute_loss, model_from_json  # noqa: E402

TOLERANCES = {"F32": (2e-5, 1e-4), "F64": (1e-9, 1e-9)}  # (atol, rtol)


def _compare(what, got, want, atol, rtol):
    """None when close, else a description of the worst element."""
    if got.shape != want.shape:
        return "%s shape %s, PyTorch gives %s" % (what, list(got.shape), list(want.shape))
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bound = atol + rtol * np.abs(want.astype(np.float64))
    if not np.isfinite(got).all() or (err > bound).any():
        i = np.unravel_index(int(np.argmax(np.where(np.isfinite(err), err - bound, np.inf))),
                             err.shape) if err.ndim else ()
        return "%s differs at %s: rnn4j %r, PyTorch %r (|diff| %.3g > %.3g)" % (
            what, list(i), float(got[i]), float(want[i]), float(err[i]), float(bound[i]))
    return None


def check(model_dir):
    """Returns (ok, one-line verdict)."""
    try:
        with open(os.path.join(model_dir, "model.json")) as f:
            model_json = json.load(f)
        _, weights = read_safetensors(os.path.join(model_dir, "weights.safetensors"))
        _, inputs = read_safetensors(os.path.join(model_dir, "input.safetensors"))
        _, expected = read_safetensors(os.path.join(model_dir, "expected.safetensors"))
        dtypes = {dt for dt, _ in weights.values()}
        if len(dtypes) != 1 or not dtypes <= {"F32", "F64"}:
            return False, "FAIL %s: weights must be all F32 or all F64, got %s" % (model_dir,
                                                                                  sorted(dtypes))
        st = dtypes.pop()
        torch_dtype = torch.float64 if st == "F64" else torch.float32
        atol, rtol = TOLERANCES[st]
        for name, (dt, _) in [("input", inputs["input"]), ("prediction", expected["prediction"])]:
            if dt != st:
                return False, "FAIL %s: %s is %s but the weights are %s" % (model_dir, name, dt, st)

        model = model_from_json(model_json).to(torch_dtype)
        model.load_state_dict({k: torch.from_numpy(a.copy()) for k, (_, a) in weights.items()},
                              strict=True)
        model.eval()
        x = torch.from_numpy(inputs["input"][1].copy())
        lengths = None
        if "lengths" in inputs:
            lengths = torch.from_numpy(inputs["lengths"][1].astype(np.int64))
        with torch.no_grad():
            prediction = model(x, lengths)
        problems = [_compare("prediction", expected["prediction"][1], prediction.numpy(), atol, rtol)]
        checked = "prediction %s" % list(prediction.shape)
        if "loss" in expected and "target" in inputs:
            dt, target = inputs["target"]
            task = "classification" if dt in ("I64", "I32") else "regression"
            target = torch.from_numpy(target.astype(np.int64) if task == "classification"
                                      else target.copy())
            with torch.no_grad():
                loss = compute_loss(task, prediction, target)
            problems.append(_compare("loss", np.asarray(expected["loss"][1]).reshape(()),
                                     loss.numpy().reshape(()), atol, rtol))
            checked += " and %s loss" % ("cross-entropy" if task == "classification" else "MSE")
        problems = [p for p in problems if p]
        if problems:
            return False, "FAIL %s: %s" % (model_dir, "; ".join(problems))
        worst = float(np.abs(expected["prediction"][1].astype(np.float64)
                             - prediction.numpy().astype(np.float64)).max(initial=0.0))
        return True, "PASS %s: %s %s match PyTorch %s within atol %g rtol %g (max |diff| %.3g)" % (
            model_dir, checked, st, torch.__version__, atol, rtol, worst)
    except Exception as e:  # any problem reading or loading is a failed check, in one line
        msg = " ".join(("%s: %s" % (type(e).__name__, e)).split())
        return False, "FAIL %s: %s" % (model_dir, msg[:500])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: check_rnn4j_export.py MODEL_DIR", file=sys.stderr)
        return 1
    ok, verdict = check(argv[0])
    print(verdict)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
