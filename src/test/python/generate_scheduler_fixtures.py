#!/usr/bin/env python3
"""Generate the fixtures that rnn4j's learning-rate schedulers (StepLr, CosineAnnealingLr, LinearLr,
ReduceLrOnPlateau) are tested against: torch.optim.lr_scheduler driving a torch.optim.SGD.

The loop
--------
Per case: ``optimizer = torch.optim.SGD([p], lr=lr)``, then the scheduler built from the case's config
(``getattr(torch.optim.lr_scheduler, config["type"])(optimizer, **args)``, the form rnn4j's
``SchedulerConfig.toJson()`` writes), then for every epoch ``optimizer.step()`` followed by
``scheduler.step()`` (``scheduler.step(metric)`` for ReduceLROnPlateau, with the case's metric of that
epoch). The learning rate is ``optimizer.param_groups[0]["lr"]``; it is checked to equal
``scheduler.get_last_lr()[0]`` after every step.

What it produces
----------------
``src/test/resources/fixtures/scheduler/torch-<version>/``, rewritten completely on every run:

* ``manifest.json``: generator and torch version, and per case: id, the optimizer's lr, the scheduler
  config (PyTorch's class name as ``type`` and its argument names), the number of epochs, the epoch
  after which the state is saved, and the tolerance rnn4j is held to (``lr_rtol``, relative).
* ``<case>.json``: ``lrs`` (the lr after construction, then after each of the ``epochs`` steps:
  ``epochs + 1`` values), ``metrics`` (ReduceLROnPlateau only: the value given to step k, k = 1..epochs),
  ``state_epoch`` and ``state_dict`` (``scheduler.state_dict()`` after that many steps, as
  ``json.dump`` writes it, ``Infinity`` included).

Every number is a Python float written with its repr, so the JSON holds PyTorch's doubles exactly.
The metric sequences are fixed formulas (noisy decays and rises, plateaus) chosen so that
ReduceLROnPlateau reduces several times, sits in cooldown, reaches min_lr and ignores reductions
smaller than eps.

How to run
----------
    /tmp/tv/bin/python src/test/python/generate_scheduler_fixtures.py    # PyTorch 2.x
"""

import json
import math
import os
import shutil
from collections import OrderedDict

import torch

GENERATOR = "src/test/python/generate_scheduler_fixtures.py"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VERSION_DIR = "torch-" + torch.__version__.split("+")[0]
OUT_DIR = os.path.join(REPO_ROOT, "src", "test", "resources", "fixtures", "scheduler", VERSION_DIR)
# rnn4j's bar for a learning rate, relative to PyTorch's (the issue asks for 1e-12).
LR_RTOL = 1e-12


def step_lr(step_size, gamma=0.1):
    return OrderedDict([("type", "StepLR"), ("step_size", step_size), ("gamma", float(gamma))])


def cosine(t_max, eta_min=0.0):
    return OrderedDict([("type", "CosineAnnealingLR"), ("T_max", t_max), ("eta_min", float(eta_min))])


def linear(start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    return OrderedDict([("type", "LinearLR"), ("start_factor", float(start_factor)),
                        ("end_factor", float(end_factor)), ("total_iters", total_iters)])


def plateau(mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel", cooldown=0,
            min_lr=0.0, eps=1e-8):
    return OrderedDict([("type", "ReduceLROnPlateau"), ("mode", mode), ("factor", float(factor)),
                        ("patience", patience), ("threshold", float(threshold)),
                        ("threshold_mode", threshold_mode), ("cooldown", cooldown),
                        ("min_lr", float(min_lr)), ("eps", float(eps))])


def decaying(epochs, floor=0.2, wobble=0.02):
    """A validation loss that falls fast, then flattens with a wobble: plateaus after a while."""
    return [floor + math.exp(-k / 6.0) + wobble * math.sin(1.7 * k) for k in range(1, epochs + 1)]


def stalling(epochs):
    """Improves for 8 epochs, then stays flat (exactly), then improves by tiny steps."""
    out = []
    for k in range(1, epochs + 1):
        if k <= 8:
            out.append(1.0 / k)
        elif k <= 25:
            out.append(0.125)
        else:
            out.append(0.125 - 1e-6 * (k - 25))
    return out


def rising(epochs):
    """An accuracy-like metric for mode='max': rises, then saturates with noise."""
    return [0.9 - 0.8 * math.exp(-k / 5.0) + 0.01 * math.cos(2.3 * k) for k in range(1, epochs + 1)]


CASES = [
    dict(id="step_default_gamma", lr=0.1, config=step_lr(7), epochs=40, state_epoch=17),
    dict(id="step_half_every_3", lr=0.05, config=step_lr(3, 0.5), epochs=40, state_epoch=10),
    dict(id="step_every_epoch", lr=1.0, config=step_lr(1, 0.9), epochs=60, state_epoch=33),
    dict(id="cosine_t10", lr=0.1, config=cosine(10), epochs=45, state_epoch=14),
    dict(id="cosine_t25_eta_min", lr=0.05, config=cosine(25, 1e-3), epochs=60, state_epoch=26),
    dict(id="cosine_t1", lr=0.3, config=cosine(1, 0.01), epochs=12, state_epoch=5),
    dict(id="cosine_t7_odd", lr=0.7, config=cosine(7, 0.05), epochs=50, state_epoch=21),
    dict(id="linear_default", lr=0.1, config=linear(), epochs=30, state_epoch=3),
    dict(id="linear_warmup_40", lr=0.05, config=linear(0.05, 1.0, 40), epochs=50, state_epoch=20),
    dict(id="linear_decay", lr=0.2, config=linear(1.0, 0.1, 20), epochs=30, state_epoch=12),
    dict(id="linear_to_zero", lr=0.2, config=linear(0.25, 0.0, 8), epochs=15, state_epoch=7),
    dict(id="plateau_default", lr=0.1, config=plateau(), epochs=60, state_epoch=30,
         metrics=decaying(60)),
    dict(id="plateau_cooldown_min_lr", lr=0.1,
         config=plateau(factor=0.5, patience=2, cooldown=3, min_lr=0.004), epochs=60, state_epoch=25,
         metrics=decaying(60, wobble=0.05)),
    dict(id="plateau_abs_threshold", lr=0.1,
         config=plateau(factor=0.3, patience=3, threshold=0.01, threshold_mode="abs"), epochs=50,
         state_epoch=19, metrics=decaying(50)),
    dict(id="plateau_patience_0_eps", lr=0.01,
         config=plateau(factor=0.5, patience=0, eps=1e-4), epochs=40, state_epoch=15,
         metrics=stalling(40)),
    dict(id="plateau_max_rel", lr=0.2, config=plateau(mode="max", factor=0.2, patience=4, cooldown=1),
         epochs=50, state_epoch=35, metrics=rising(50)),
    dict(id="plateau_max_abs", lr=0.2,
         config=plateau(mode="max", factor=0.7, patience=1, threshold=0.005, threshold_mode="abs",
                        min_lr=0.01), epochs=50, state_epoch=12, metrics=rising(50)),
]


def build(config, optimizer):
    args = OrderedDict((k, v) for k, v in config.items() if k != "type")
    return getattr(torch.optim.lr_scheduler, config["type"])(optimizer, **args)


def generate(case):
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    optimizer = torch.optim.SGD([p], lr=case["lr"])
    scheduler = build(case["config"], optimizer)
    plateau_case = case["config"]["type"] == "ReduceLROnPlateau"
    lrs = [optimizer.param_groups[0]["lr"]]
    state = None
    for k in range(1, case["epochs"] + 1):
        p.grad = torch.ones_like(p)
        optimizer.step()
        if plateau_case:
            scheduler.step(case["metrics"][k - 1])
        else:
            scheduler.step()
        lr = optimizer.param_groups[0]["lr"]
        assert isinstance(lr, float) and scheduler.get_last_lr() == [lr], (case["id"], k)
        lrs.append(lr)
        if k == case["state_epoch"]:
            state = scheduler.state_dict()
    fixture = OrderedDict([("lrs", lrs)])
    if plateau_case:
        fixture["metrics"] = case["metrics"]
    fixture["state_epoch"] = case["state_epoch"]
    fixture["state_dict"] = state
    with open(os.path.join(OUT_DIR, case["id"] + ".json"), "w") as f:
        json.dump(fixture, f, indent=2)
        f.write("\n")
    distinct = len(set(lrs))
    assert distinct >= 2, (case["id"], "the schedule never changes the lr", lrs)
    return OrderedDict([("id", case["id"]), ("lr", case["lr"]), ("config", case["config"]),
                        ("epochs", case["epochs"]), ("state_epoch", case["state_epoch"]),
                        ("lr_rtol", LR_RTOL)])


def main():
    if os.path.isdir(OUT_DIR):
        shutil.rmtree(OUT_DIR)
    os.makedirs(OUT_DIR)
    entries = [generate(c) for c in CASES]
    manifest = OrderedDict([("generator", GENERATOR), ("torch_version", torch.__version__),
                            ("cases", entries)])
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("wrote %d cases to %s" % (len(entries), os.path.relpath(OUT_DIR, REPO_ROOT)))


if __name__ == "__main__":
    main()
