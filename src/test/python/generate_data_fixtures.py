#!/usr/bin/env python3
"""Generate the fixtures of rnn4j's sequence data pipeline: torch.nn.utils.rnn.pad_sequence's results.

What it produces
----------------
``src/test/resources/fixtures/data/torch-<version>/pad_sequence.json`` (``<version>``:
``torch.__version__`` without a ``+local`` suffix): generator, versions and a list of cases, each with
its id, ``batch_first``, ``padding_value``, ``dtype``, ``sequences`` (nested lists, shapes (L_i, *))
and ``expected`` (``pad_sequence(sequences, batch_first, padding_value)`` as nested lists, and its
shape). Padding copies values, so rnn4j must match exactly (tolerance 0). Inputs come from a
``torch.Generator`` seeded with the CRC-32 of the case id; float32 values are written as the
shortest decimal that reads back to the same float32.

How to run (PyTorch 2.13 CPU, the venv of the loop fixtures)
------------------------------------------------------------
    /tmp/tv/bin/python src/test/python/generate_data_fixtures.py
"""

import json
import os
import zlib

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence

CASES = [
    # id, lengths, trailing shape, batch_first, padding_value, dtype
    ("seq_first_3x_h2", [3, 5, 1], [2], False, 0.0, torch.float32),
    ("batch_first_4x_h3", [2, 4, 4, 1], [3], True, 0.0, torch.float32),
    ("batch_first_pad_minus1", [1, 3], [2], True, -1.0, torch.float32),
    ("seq_first_1d_sequences", [4, 2, 3], [], False, 0.0, torch.float32),
    ("batch_first_2d_trailing", [2, 3], [2, 2], True, 7.5, torch.float32),
    ("float64_batch_first", [3, 1, 2], [2], True, 0.25, torch.float64),
]


def main():
    version = torch.__version__.split("+")[0]
    out_dir = os.path.join("src", "test", "resources", "fixtures", "data", "torch-" + version)
    os.makedirs(out_dir, exist_ok=True)
    cases = []
    for case_id, lengths, trailing, batch_first, padding, dtype in CASES:
        g = torch.Generator().manual_seed(zlib.crc32(case_id.encode()))
        seqs = [torch.randn([n] + trailing, generator=g, dtype=torch.float64).to(dtype) for n in lengths]
        padded = pad_sequence(seqs, batch_first=batch_first, padding_value=padding)
        cases.append({
            "id": case_id,
            "batch_first": batch_first,
            "padding_value": padding,
            "dtype": "float32" if dtype == torch.float32 else "float64",
            "sequences": [{"shape": list(s.shape), "values": to_list(s)} for s in seqs],
            "expected": {"shape": list(padded.shape), "values": to_list(padded)},
        })
    with open(os.path.join(out_dir, "pad_sequence.json"), "w") as f:
        json.dump({"generator": "src/test/python/generate_data_fixtures.py",
                   "torch_version": torch.__version__, "numpy_version": np.__version__,
                   "tolerance": 0, "cases": cases}, f, indent=1)
        f.write("\n")


def to_list(t):
    """Flat row-major values; float32 as the shortest repr that reads back to the same float32."""
    flat = t.reshape(-1).numpy()
    if t.dtype == torch.float32:
        return [float(np.format_float_positional(v, unique=True, trim="-")) for v in flat]
    return [float(v) for v in flat]


if __name__ == "__main__":
    main()
