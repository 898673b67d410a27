// rnn4j data-movement kernels: the layout changes around cuDNN's RNN calls.
//
// Purpose: cuDNN reads and writes sequence-major tensors (x [T, N, H_in], y [T, N, D*H_out], rows of the
// two directions interleaved); rnn4j's callers use batch_first layouts, per-direction outputs, padded
// batches of varying lengths and many-to-one heads (a gather of each sequence's last row). These kernels
// only move, fill or add elements, so their results are bit for bit those of the CPU twins in
// src/test/java/dev/rnn4j/backend/cuda/KernelTwins.java.
//
// Launch geometry: 1-D, 256 threads per block, grid = min(ceil(n / 256), 1024) where n is the number of
// output elements (LaunchGeometry.gridSize); every kernel loops grid-stride over 64-bit indices, so any grid
// covers any n.
//
// Layouts (row-major, element counts, never bytes):
//   transpose01        in [A, B, C] -> out [B, A, C]
//   split_directions   y [R, 2*H_out] -> out0, out1 [R, H_out]       (R = T*N rows)
//   mask_padding       y [T, N, C], lengths [N] int32: zero y[t, b, :] for t >= lengths[b]
//   gather_rows        source [S, W], rows [R] int32 -> out [R, W], out[r] = source[rows[r]]
//   scatter_rows       source [R, W], rows [R] int32 -> into [S, W], into[rows[r]] = source[r]; other rows
//                      keep their values; rows must be distinct (the launcher checks), so no two threads
//                      write one element
//   fill               x [n] = value
//   add                into [n] += x [n]
// The launcher checks every row index against S before the launch: the kernels trust them.
//
// Java launcher: dev.rnn4j.backend.cuda.CudaKernels (transpose01, splitDirections, maskPadding,
// gatherRows, scatterRows, fill, add). Compiled by kernels/generate-ptx.sh.

#include <cstdint>

namespace rnn4j {

typedef long long i64;

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
__device__ void gather_rows(const T* source, const int32_t* rows, T* out, i64 count, i64 width) {
  i64 n = count * width;
  for (i64 i = first_index(); i < n; i += stride()) {
    i64 r = i / width;
    out[i] = source[(i64)rows[r] * width + (i - r * width)];
  }
}

template <typename T>
__device__ void scatter_rows(const T* source, const int32_t* rows, T* into, i64 count, i64 width) {
  i64 n = count * width;
  for (i64 i = first_index(); i < n; i += stride()) {
    i64 r = i / width;
    into[(i64)rows[r] * width + (i - r * width)] = source[i];
  }
}

template <typename T>
__device__ void fill(T* x, i64 n, T value) {
  for (i64 i = first_index(); i < n; i += stride()) {
    x[i] = value;
  }
}

template <typename T>
__device__ void add(T* into, const T* x, i64 n) {
  for (i64 i = first_index(); i < n; i += stride()) {
    into[i] = into[i] + x[i];
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
  extern "C" __global__ void rnn4j_mask_padding_##SUFFIX(T* y, const int32_t* lengths, i64 t,      \
                                                         i64 n, i64 c) {                           \
    mask_padding<T>(y, lengths, t, n, c);                                                          \
  }                                                                                                \
  extern "C" __global__ void rnn4j_gather_rows_##SUFFIX(const T* source, const int32_t* rows,     \
                                                        T* out, i64 count, i64 width) {            \
    gather_rows<T>(source, rows, out, count, width);                                               \
  }                                                                                                \
  extern "C" __global__ void rnn4j_scatter_rows_##SUFFIX(const T* source, const int32_t* rows,    \
                                                         T* into, i64 count, i64 width) {          \
    scatter_rows<T>(source, rows, into, count, width);                                             \
  }                                                                                                \
  extern "C" __global__ void rnn4j_fill_##SUFFIX(T* x, i64 n, T value) {                           \
    fill<T>(x, n, value);                                                                          \
  }                                                                                                \
  extern "C" __global__ void rnn4j_add_##SUFFIX(T* into, const T* x, i64 n) {                      \
    add<T>(into, x, n);                                                                            \
  }

RNN4J_LAYOUT_KERNELS(float, f32)
RNN4J_LAYOUT_KERNELS(double, f64)
