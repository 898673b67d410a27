// rnn4j data-movement kernels: the layout changes around cuDNN's RNN calls.
//
// Purpose: cuDNN reads and writes sequence-major tensors (x [T, N, H_in], y [T, N, D*H_out], rows of the
// two directions interleaved); rnn4j's callers use batch_first layouts, per-direction outputs, padded
// batches of varying lengths and many-to-one heads. These kernels only move (or zero) elements, so their
// results are bit for bit those of the CPU twins in dev.rnn4j.backend.cuda.KernelTwins.
//
// Launch geometry: 1-D, 256 threads per block, grid = min(ceil(n / 256), 1024) where n is the number of
// output elements (KernelTwins.gridSize); every kernel loops grid-stride over 64-bit indices, so any grid
// covers any n.
//
// Layouts (row-major, element counts, never bytes):
//   transpose01        in [A, B, C] -> out [B, A, C]
//   split_directions   y [R, 2*H_out] -> out0, out1 [R, H_out]       (R = T*N rows)
//   merge_directions   in0, in1 [R, H_out] -> y [R, 2*H_out]         (a null input stands for zeros)
//   mask_padding       y [T, N, C], lengths [N] int32: zero y[t, b, :] for t >= lengths[b]
//   gather_last        y [T, N, C], lengths [N] -> out [N, C] = y[lengths[b] - 1, b, :]
//   scatter_last       dLast [N, C], lengths [N] -> dy [T, N, C], dLast[b] at t = lengths[b] - 1, else 0
// gather_last needs 1 <= lengths[b] <= T; a length outside writes NaN into that row instead of reading
// outside y, so the error shows in the results.
//
// Java launcher: dev.rnn4j.backend.cuda.CudaKernels (transpose01, splitDirections, mergeDirections,
// maskPadding, gatherLast, scatterLast). Compiled by kernels/generate-ptx.sh.

#include <cstdint>

namespace rnn4j {

typedef long long i64;

template <typename T>
__device__ __forceinline__ T quiet_nan();

template <>
__device__ __forceinline__ float quiet_nan<float>() {
  return __int_as_float(0x7fc00000);
}

template <>
__device__ __forceinline__ double quiet_nan<double>() {
  return __longlong_as_double(0x7ff8000000000000LL);
}

__device__ __forceinline__ i64 first_index() {
  return (i64)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ i64 stride() {
  return (i64)gridDim.x * blockDim.x;
}

template <typename T>
__device__ void transpose01(const T* in, T* out, i64 a, i64 b, i64 c) {
  i64 n = a * b * c;
  for (i64 o = first_index(); o < n; o += stride()) {
    // o indexes out [B, A, C]; writes are coalesced, reads stride by B*C between rows.
    i64 ic = o % c;
    i64 rest = o / c;
    i64 ia = rest % a;
    i64 ib = rest / a;
    out[o] = in[(ia * b + ib) * c + ic];
  }
}

template <typename T>
__device__ void split_directions(const T* y, T* out0, T* out1, i64 rows, i64 h) {
  i64 n = rows * h;
  for (i64 i = first_index(); i < n; i += stride()) {
    i64 r = i / h;
    i64 j = i - r * h;
    const T* row = y + r * 2 * h;
    if (out0 != nullptr) {
      out0[i] = row[j];
    }
    if (out1 != nullptr) {
      out1[i] = row[h + j];
    }
  }
}

template <typename T>
__device__ void merge_directions(const T* in0, const T* in1, T* y, i64 rows, i64 h) {
  i64 n = rows * h;
  for (i64 i = first_index(); i < n; i += stride()) {
    i64 r = i / h;
    i64 j = i - r * h;
    T* row = y + r * 2 * h;
    row[j] = in0 != nullptr ? in0[i] : T(0);
    row[h + j] = in1 != nullptr ? in1[i] : T(0);
  }
}

template <typename T>
__device__ void mask_padding(T* y, const int32_t* lengths, i64 t, i64 n, i64 c) {
  i64 total = t * n * c;
  for (i64 i = first_index(); i < total; i += stride()) {
    i64 row = i / c;
    i64 step = row / n;
    i64 b = row - step * n;
    if (step >= lengths[b]) {
      y[i] = T(0);
    }
  }
}

template <typename T>
__device__ void gather_last(const T* y, const int32_t* lengths, T* out, i64 t, i64 n, i64 c) {
  i64 total = n * c;
  for (i64 i = first_index(); i < total; i += stride()) {
    i64 b = i / c;
    i64 j = i - b * c;
    i64 len = lengths[b];
    out[i] = len >= 1 && len <= t ? y[((len - 1) * n + b) * c + j] : quiet_nan<T>();
  }
}

template <typename T>
__device__ void scatter_last(const T* d_last, const int32_t* lengths, T* dy, i64 t, i64 n, i64 c) {
  i64 total = t * n * c;
  for (i64 i = first_index(); i < total; i += stride()) {
    i64 row = i / c;
    i64 step = row / n;
    i64 b = row - step * n;
    i64 j = i - row * c;
    dy[i] = step == (i64)lengths[b] - 1 ? d_last[b * c + j] : T(0);
  }
}

}  // namespace rnn4j

using namespace rnn4j;

// One exported entry per dtype: plain C names, so cuModuleGetFunction finds rnn4j_<op>_f32 / _f64.
#define RNN4J_LAYOUT_KERNELS(T, SUFFIX)                                                              \
  extern "C" __global__ void rnn4j_transpose01_##SUFFIX(const T* in, T* out, i64 a, i64 b, i64 c) { \
    transpose01<T>(in, out, a, b, c);                                                              \
  }                                                                                                \
  extern "C" __global__ void rnn4j_split_directions_##SUFFIX(const T* y, T* out0, T* out1,         \
                                                             i64 rows, i64 h) {                    \
    split_directions<T>(y, out0, out1, rows, h);                                                   \
  }                                                                                                \
  extern "C" __global__ void rnn4j_merge_directions_##SUFFIX(const T* in0, const T* in1, T* y,     \
                                                             i64 rows, i64 h) {                    \
    merge_directions<T>(in0, in1, y, rows, h);                                                     \
  }                                                                                                \
  extern "C" __global__ void rnn4j_mask_padding_##SUFFIX(T* y, const int32_t* lengths, i64 t,      \
                                                         i64 n, i64 c) {                           \
    mask_padding<T>(y, lengths, t, n, c);                                                          \
  }                                                                                                \
  extern "C" __global__ void rnn4j_gather_last_##SUFFIX(const T* y, const int32_t* lengths, T* out,\
                                                        i64 t, i64 n, i64 c) {                     \
    gather_last<T>(y, lengths, out, t, n, c);                                                      \
  }                                                                                                \
  extern "C" __global__ void rnn4j_scatter_last_##SUFFIX(const T* d_last, const int32_t* lengths,  \
                                                         T* dy, i64 t, i64 n, i64 c) {             \
    scatter_last<T>(d_last, lengths, dy, t, n, c);                                                 \
  }

RNN4J_LAYOUT_KERNELS(float, f32)
RNN4J_LAYOUT_KERNELS(double, f64)
