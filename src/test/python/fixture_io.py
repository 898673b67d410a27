"""Safetensors I/O shared by rnn4j's PyTorch fixture generators (and the rnn4j export checker).

* ``write_safetensors(path, tensors, metadata)`` writes an ordered dict name -> torch tensor with
  ``safetensors.torch.save_file`` when that package is importable, and otherwise with the minimal
  writer below: 8-byte little-endian header length, compact JSON header (``__metadata__`` first, then
  the tensors in the given order) padded with spaces to a multiple of 8, raw little-endian
  row-major data in the same order.
* ``read_safetensors(path)`` is an independent, strict reader returning
  ``(metadata, OrderedDict name -> (st_dtype, numpy array))`` in header order.

Only F32, F64 and I64 are written; the reader also accepts I32 (rnn4j can write it).
Import it with this folder on ``sys.path`` (scripts run from here have it there already).
"""

import argparse
import json
import os
import struct
from collections import OrderedDict

import numpy as np
import torch

try:  # pragma: no cover - depends on the environment
    from safetensors.torch import save_file as _st_save_file
except ImportError:  # the Debian environment has no safetensors package
    _st_save_file = None

ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
NP_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}
_READ_DTYPES = dict(NP_DTYPES, I32=np.dtype("<i4"))


def write_safetensors(path, tensors, metadata):
    """Write an ordered dict name -> tensor as a safetensors file, tensors in the given order.

    ``metadata`` is a dict str -> str stored as ``__metadata__``.
    """
    tensors = OrderedDict((k, v.detach().cpu().contiguous()) for k, v in tensors.items())
    if _st_save_file is not None:
        _st_save_file(dict(tensors), path, metadata=dict(metadata))
        return
    header = OrderedDict([("__metadata__", dict(metadata))])
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = t.numpy().astype(NP_DTYPES[ST_DTYPES[t.dtype]], copy=False).tobytes(order="C")
        header[name] = OrderedDict([
            ("dtype", ST_DTYPES[t.dtype]),
            ("shape", list(t.shape)),
            ("data_offsets", [offset, offset + len(data)]),
        ])
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Independent reader: returns (metadata, OrderedDict name -> (st_dtype, numpy array)) in file order.

    Checks the format strictly: header length, padding, contiguous in-order offsets, file size.
    """
    with open(path, "rb") as f:
        raw = f.read()
    assert len(raw) >= 8, path
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, (path, "header length not a multiple of 8", n)
    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    body = raw[8 + n:]
    meta = header.pop("__metadata__", None)
    out, expected_begin = OrderedDict(), 0
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    for name, info in entries:
        begin, end = info["data_offsets"]
        assert begin == expected_begin, (path, name, "offsets not contiguous")
        dt = _READ_DTYPES[info["dtype"]]
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert end - begin == count * dt.itemsize, (path, name, "byte size does not match shape")
        out[name] = (info["dtype"], np.frombuffer(body[begin:end], dtype=dt).reshape(info["shape"]))
        expected_begin = end
    assert expected_begin == len(body), (path, "trailing bytes after the last tensor")
    # Return in header order (what the writer wrote), which for our writer is also file order.
    return meta, OrderedDict((k, out[k]) for k in header.keys())


def write_json(path, value):
    """JSON as the generators write it: indented by 2, keys in the given order, a final newline."""
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def write_manifest(out_dir, generator, torch_version, entries):
    """Writes out_dir/manifest.json (generator, versions, case entries) and returns the folder's size."""
    write_json(os.path.join(out_dir, "manifest.json"), OrderedDict([
        ("generator", generator), ("torch_version", torch_version),
        ("numpy_version", np.__version__), ("cases", entries),
    ]))
    return sum(os.path.getsize(os.path.join(d, fn)) for d, _, fns in os.walk(out_dir) for fn in fns)


def run_generator(doc, generate, verify, argv=None):
    """The command line every generator shares: regenerate the fixtures, or ``--verify`` those on disk."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--verify", action="store_true",
                        help="check the fixtures on disk instead of regenerating them")
    args = parser.parse_args(argv)
    if args.verify:
        verify()
    else:
        generate()
