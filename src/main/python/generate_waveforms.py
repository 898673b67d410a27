#!/usr/bin/env python3
"""Generate rnn4j's shipped labelled sequence data set, src/main/resources/dev/rnn4j/data/waveforms.csv.

The data are synthetic: 240 noisy waveforms, 80 of each class ``sawtooth``, ``sine`` and ``square``, in a
shuffled order. Every sequence draws its own length (20 to 60 steps), period (6 to 20 steps), phase,
amplitude (0.5 to 2), offset (-1 to 1) and noise level (Gaussian, standard deviation 0.1 to 0.4 of the
amplitude), so that neither the length nor the level tells the class: only the shape does.

CSV columns: ``id`` (``w000`` .. ``w239``), ``label`` and ``value`` (4 decimals); the rows of one sequence
are consecutive and in time order.

Only the standard library is used (``random.Random(SEED)``, ``math``), so the file is the same on every
run and every Python 3; run it from the repository root:

    python3 src/main/python/generate_waveforms.py
"""

import math
import os
import random

SEED = 20261206
PER_CLASS = 80
CLASSES = ("sawtooth", "sine", "square")
OUT = os.path.join("src", "main", "resources", "dev", "rnn4j", "data", "waveforms.csv")


def shape(label, phase):
    """The class's waveform at ``phase`` in cycles, with amplitude 1 and mean 0."""
    frac = phase % 1.0
    if label == "sine":
        return math.sin(2 * math.pi * frac)
    if label == "square":
        return 1.0 if frac < 0.5 else -1.0
    return 2.0 * frac - 1.0


def main():
    rng = random.Random(SEED)
    labels = [c for c in CLASSES for _ in range(PER_CLASS)]
    rng.shuffle(labels)
    lines = ["id,label,value"]
    for i, label in enumerate(labels):
        length = rng.randint(20, 60)
        period = rng.uniform(6.0, 20.0)
        start = rng.random()
        amplitude = rng.uniform(0.5, 2.0)
        offset = rng.uniform(-1.0, 1.0)
        noise = rng.uniform(0.1, 0.4) * amplitude
        for t in range(length):
            v = offset + amplitude * shape(label, start + t / period) + rng.gauss(0.0, noise)
            lines.append("w%03d,%s,%.4f" % (i, label, v))
    with open(OUT, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
