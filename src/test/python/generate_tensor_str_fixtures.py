#!/usr/bin/env python3
"""Writes the fixtures that pin Tensor.toString() to PyTorch's str(t).

Run with the PyTorch whose printing rnn4j should match, from the repository root:

    python3 src/test/python/generate_tensor_str_fixtures.py

Output: src/test/resources/fixtures/tensor-str/torch-<version>/cases.json, a list of cases
{name, dtype, shape, data, expected}. data holds every element as its exact value (float32 elements
widened to Python floats, which round-trip), with nan and infinities written as strings since JSON
has no literal for them.
"""

import json
import math
import os

import torch

OUT_ROOT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "tensor-str"
)

cases = []


def add(name, t):
    assert t.dtype in (torch.float32, torch.float64), name
    torch.set_printoptions(profile="default")
    data = []
    for v in t.reshape(-1).tolist():
        v = float(v)
        data.append(("nan" if math.isnan(v) else "inf" if v > 0 else "-inf")
                    if not math.isfinite(v) else v)
    cases.append({
        "name": name,
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "data": data,
        "expected": str(t),
    })


def f32(values):
    return torch.tensor(values, dtype=torch.float32)


def f64(values):
    return torch.tensor(values, dtype=torch.float64)


def randn(*shape, seed, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype)


nan, inf = float("nan"), float("inf")

# The seed article's tensors: an integral 3-d input and random-looking outputs with negatives.
add("article_arange_4_5_1", torch.arange(1, 21).float().view(4, 5, 1))
add("article_randn_4_5_2", randn(4, 5, 2, seed=1))
add("article_tanh_4_5_2", torch.tanh(randn(4, 5, 2, seed=2)))
add("article_h_n_1_5_2", randn(1, 5, 2, seed=3))

# 0-d.
add("scalar_float", f32(1.5))
add("scalar_integral", f32(3.0))
add("scalar_negative", f32(-0.123456))
add("scalar_tiny_sci", f32(-1e-5))
add("scalar_huge_sci", f64(1.5e10))
add("scalar_zero", f32(0.0))
add("scalar_neg_zero", f32(-0.0))
add("scalar_nan", f32(nan))
add("scalar_neg_inf", f64(-inf))

# 1-d, short and wrapping at linewidth 80.
add("vec_short", randn(5, seed=4))
add("vec_wrap_30", randn(30, seed=5))
add("vec_ints_wrap_40", torch.arange(40).float())
add("vec_single", f32([2.25]))
add("vec_1000_not_summarized", randn(1000, seed=6))
for n in range(4, 9):
    # float64 vectors whose last line lands near 80 columns, so the dtype suffix may wrap.
    add(f"vec_f64_len{n}", -randn(n, seed=7, dtype=torch.float64).abs() - 0.1)

# 2-d to 5-d.
add("mat_3_4", randn(3, 4, seed=8))
add("mat_wide_3_20", randn(3, 20, seed=9))
add("mat_1_5", randn(1, 5, seed=10))
add("cube_2_3_4", randn(2, 3, 4, seed=11))
add("cube_wrap_2_2_20", randn(2, 2, 20, seed=12))
add("cube_1_1_1", f32([[[7.0]]]))
add("dim4_2_2_2_3", randn(2, 2, 2, 3, seed=13))
add("dim5_2_1_2_1_2", randn(2, 1, 2, 1, 2, seed=14))
add("mat_f64_3_3", randn(3, 3, seed=15, dtype=torch.float64))
add("cube_f64_2_2_8", randn(2, 2, 8, seed=16, dtype=torch.float64) * 10)

# Empty shapes.
add("empty_0", torch.zeros(0))
add("empty_0_3", torch.zeros(0, 3))
add("empty_3_0", torch.zeros(3, 0))
add("empty_2_0_3", torch.zeros(2, 0, 3))
add("empty_f64_0", torch.zeros(0, dtype=torch.float64))
add("empty_f64_0_4", torch.zeros(0, 4, dtype=torch.float64))

# Scientific notation and its thresholds.
add("sci_tiny", f32([1e-5, 2e-5, 0.5]))
add("sci_tiny_f64", f64([1e-10, 1.0, -3.3e-7]))
add("sci_huge", f32([1e9, 1.5, -2.25]))
add("sci_ratio_float", f32([0.001, 1.5]))
add("ratio_exactly_1000", f64([0.001, 1.0]))
add("min_1e-4_f32_rounds_below", f32([0.0001, 0.5]))
add("min_1e-4_f64_exact", f64([0.0001, 0.5]))
add("sci_wrap_3_7", randn(3, 7, seed=17) * 1e-5)
add("sci_exp_3_digits", f64([1e-200, 2.5e150]))
add("sci_rounds_to_next_decade", f64([9.99996e-6, 1.0]))
add("float32_max", f32([3.4028234663852886e38, -1.0]))
add("f64_subnormal", f64([5e-324, 1.0]))

# Integral values: the "1." style, widened by one for the dot, and sci when the range is wide.
add("ints_negative", f32([1.0, -2.0, 300.0]))
add("ints_ratio_1000", f32([1.0, 1000.0]))
add("ints_ratio_2000_sci", f32([1.0, 2000.0]))
add("ints_1e8", f64([1e8, 2e5]))
add("ints_over_1e8_sci", f64([1e9, 2e9]))
add("ints_zeros", torch.zeros(2, 3))

# nan and inf.
add("nan_inf_float", f32([1.5, nan, inf, -inf]))
add("nan_inf_ints", f32([1.0, nan, inf]))
add("nan_inf_only", f32([nan, inf, -inf]))
add("nan_zero", f32([0.0, nan]))
add("nan_sci", f32([1e-5, nan, -inf]))
add("nan_mat", f64([[nan, 2.5], [-inf, 0.0]]))

# Ties at the fourth decimal that are exact in binary round half to even; near-ties do not.
add("ties_exact", f32([0.03125, 0.15625, 0.46875, 1.03125, -0.03125, 2.65625]))
add("ties_exact_f64", f64([0.09375, 0.21875, -0.34375, 10.28125]))
add("ties_sci", f64([1.03125, 1e-5, 2.40625e-3]))
add("near_ties", f32([0.12345, 0.23455, 0.99995, 1.00005, 0.00515, 0.10005]))
add("near_ties_f64", f64([0.12345, 0.23455, 0.99995, 1.00005, 0.00515, 0.10005]))
add("near_ties_sci", f32([0.00015, 0.12345, 0.00025, 0.99995]))
add("round_up_carry", f32([9.99995, 0.5]))

# Negative zero.
add("neg_zero_ints", f32([-0.0, 0.0, 1.0]))
add("neg_zero_float", f32([-0.0, 1.5]))
add("neg_zero_only", f32([-0.0, -0.0]))
add("neg_zero_sci", f32([-0.0, 1e-6]))

# More than 1000 elements: summarized with "...", the formatter fitted to the shown elements only.
add("sum_1d_1001", randn(1001, seed=18))
add("sum_1d_ints_2000", torch.arange(2000).float())
big = randn(2000, seed=19)
big[500] = 1e6  # hidden by the summary, so it must not switch to sci mode
add("sum_1d_hidden_outlier", big)
add("sum_2d_40_40", randn(40, 40, seed=20))
add("sum_2d_2_1000", randn(2, 1000, seed=21))
add("sum_2d_3_400_f64", randn(3, 400, seed=22, dtype=torch.float64))
add("sum_2d_1000_2", randn(1000, 2, seed=23))
add("sum_3d_10_10_20", randn(10, 10, 20, seed=24))
add("sum_3d_11_11_11_ints", torch.arange(11 * 11 * 11).float().view(11, 11, 11))
add("sum_4d_5_5_5_10", randn(5, 5, 5, 10, seed=25))

version = torch.__version__.split("+")[0]
out_dir = os.path.join(OUT_ROOT, "torch-" + version)
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "cases.json"), "w") as f:
    # One case per line keeps diffs between PyTorch versions readable.
    f.write('{"torch_version": %s,\n "cases": [\n' % json.dumps(torch.__version__))
    f.write(",\n".join("  " + json.dumps(c, allow_nan=False) for c in cases))
    f.write("\n]}\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(out_dir)}")
