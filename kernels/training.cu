// rnn4j element-wise training kernels: the linear layer's bias, the losses (MSE, cross-entropy),
// gradient clipping and the optimizers' updates, in the arithmetic of the CPU backend's operations
// (dev.rnn4j.backend.Backend) and of their CPU twins in src/test/java/dev/rnn4j/backend/cuda/KernelTwins.java.
//
// Numerics: compiled with --fmad=false (kernels/generate-ptx.sh), so no a*b+c is fused behind our back;
// where the CPU code calls Math.fma, the kernel calls __fma_rn / __fmaf_rn at the same place. Square
// roots and divisions are IEEE round-to-nearest (no --use_fast_math, and __fsqrt_rn / __dsqrt_rn
// explicitly). The optimizers' scalars (1 - beta^t, step sizes, 1 - dampening, ...) are computed on the
// host in float64 and rounded to the dtype by the launcher, as the CPU optimizers compute them.
//
// Reductions (sum_rows, mse, sum_squares and the final passes) never use atomics: each block reduces its
// own elements in a fixed order (each thread sums its grid-stride elements in float64, then a
// shared-memory tree over the 256 threads) and writes one partial per block; a one-block pass
// (mse_finish, clip_coefficient, cross_entropy_finish) then reduces the partials in the same fixed way.
// For a given grid the result is reproducible, and KernelTwins replays the same order, so the twins agree
// bit for bit. The CPU backend sums sequentially: it agrees to rounding only.
//
// cross_entropy gives each row to one thread, which walks the row's C logits in the CPU's order (max,
// then sum of exp, then log; all in float64): per row the arithmetic is the CPU's, and only exp/log's
// last-ulp differences and the final sum's order (the one-block tree over the rows' terms instead of a
// sequential sum) separate the two.
//
// Launch geometry: 1-D, blockDim.x must be 256 (the reductions' tree assumes it); grid = min(ceil(n /
// 256), 1024) (LaunchGeometry.gridSize; n = rows for cross_entropy), except sum_rows (one block per
// column, grid = min(K, 1024)) and the final passes (one block). Element loops are grid-stride over
// 64-bit indices.
//
// Layouts (row-major; every buffer of one call has the kernel's dtype unless stated):
//   add_row_bias          y [M, K] += b [K] on each row
//   sum_rows              x [M, K] -> out [K] += column sums (accumulates: the bias gradient of linear)
//   mse                   p, t [n] -> dp [n] = 2 (p - t) / n; partials [grid] (float64) of sum (p - t)^2
//   mse_finish            partials [count] (float64) -> loss [1] = (dtype) (sum / n)
//   cross_entropy         logits [N, C], target [N] int32 (-100 = ignored), count = rows not ignored ->
//                         grad [N, C] = (softmax - onehot) / count (0 on ignored rows), terms [N]
//                         (float64) = log_softmax[n, target[n]] (0 on ignored rows)
//   cross_entropy_finish  terms [N] (float64) -> loss [1] = (dtype) (-sum / count), NaN for count 0
//   sum_squares           x [n] -> partials [grid] (float64) of sum x^2; several buffers may write to
//                         consecutive slices of one partials array before one clip_coefficient
//   clip_coefficient      partials [count] -> total_norm [1] (dtype), coef [1] (float64) = min(1,
//                         max_norm / (total_norm + 1e-6)), NaN kept
//   scale                 x [n] *= (dtype) coef[0]
//   sgd_step              p, g, buf [n] (buf null without momentum)
//   adam_step             p, g, m, v [n], vmax [n] (null without AMSGrad)
//
// Java launcher: dev.rnn4j.backend.cuda.CudaKernels (addRowBias, sumRows, mse, mseFinish, crossEntropy,
// crossEntropyFinish, sumSquares, clipCoefficient, scale, sgdStep, adamStep). Compiled by
// kernels/generate-ptx.sh.

namespace rnn4j {

typedef long long i64;

constexpr int kBlock = 256;

// Adam's handling of weight decay (CudaKernels' ADAM_* constants); 0 means none.
constexpr int kAdamL2 = 1;
constexpr int kAdamDecoupled = 2;

// PyTorch's default ignore_index: rows with this target add nothing to the loss and get no gradient.
constexpr int kIgnoreIndex = -100;

__device__ __forceinline__ i64 first_index() {
  return (i64)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ i64 stride() {
  return (i64)gridDim.x * blockDim.x;
}

__device__ __forceinline__ float fused(float a, float b, float c) {
  return __fmaf_rn(a, b, c);
}

__device__ __forceinline__ double fused(double a, double b, double c) {
  return __fma_rn(a, b, c);
}

__device__ __forceinline__ float sqrt_rn(float x) {
  return __fsqrt_rn(x);
}

__device__ __forceinline__ double sqrt_rn(double x) {
  return __dsqrt_rn(x);
}

// Java's Math.max: NaN if either argument is NaN (fmax would return the other argument).
template <typename T>
__device__ __forceinline__ T java_max(T a, T b) {
  if (a != a) {
    return a;
  }
  if (b != b) {
    return b;
  }
  return a >= b ? a : b;
}

// The sum of every thread's s, in a fixed tree order; the result is valid in thread 0 only.
__device__ double block_sum(double s, double* shared) {
  int tid = threadIdx.x;
  shared[tid] = s;
  __syncthreads();
  for (int width = kBlock / 2; width > 0; width >>= 1) {
    if (tid < width) {
      shared[tid] += shared[tid + width];
    }
    __syncthreads();
  }
  return shared[0];
}

// One block: the partials summed as block_sum sums, each thread taking every 256th partial.
__device__ double sum_partials(const double* partials, int count, double* shared) {
  double s = 0;
  for (int i = threadIdx.x; i < count; i += kBlock) {
    s += partials[i];
  }
  return block_sum(s, shared);
}

template <typename T>
__device__ void add_row_bias(T* y, const T* b, i64 m, i64 k) {
  i64 n = m * k;
  for (i64 i = first_index(); i < n; i += stride()) {
    y[i] = y[i] + b[i % k];
  }
}

template <typename T>
__device__ void sum_rows(const T* x, T* out, i64 m, i64 k) {
  __shared__ double shared[kBlock];
  for (i64 col = blockIdx.x; col < k; col += gridDim.x) {
    double s = 0;
    for (i64 r = threadIdx.x; r < m; r += kBlock) {
      s += (double)x[r * k + col];
    }
    double total = block_sum(s, shared);
    if (threadIdx.x == 0) {
      out[col] = out[col] + (T)total;  // a gradient accumulates, as PyTorch's .grad
    }
    __syncthreads();  // shared[0] is read above before the next column overwrites it
  }
}

template <typename T>
__device__ void mse(const T* p, const T* t, T* dp, i64 n, double* partials) {
  __shared__ double shared[kBlock];
  double dn = (double)n;
  double s = 0;
  for (i64 i = first_index(); i < n; i += stride()) {
    double d = (double)p[i] - (double)t[i];
    s += d * d;
    dp[i] = (T)(2 * d / dn);  // MseLoss: 2 * d / n in float64, rounded once
  }
  double total = block_sum(s, shared);
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = total;
  }
}

template <typename T>
__device__ void mse_finish(const double* partials, int count, i64 n, T* loss) {
  __shared__ double shared[kBlock];
  double total = sum_partials(partials, count, shared);
  if (threadIdx.x == 0) {
    loss[0] = (T)(total / (double)n);  // NaN for n = 0, as MseLoss
  }
}

template <typename T>
__device__ void cross_entropy(const T* logits, const int* target, T* grad, i64 n, i64 c, int count,
                              double* terms) {
  double dcount = (double)count;
  for (i64 row = first_index(); row < n; row += stride()) {
    const T* x = logits + row * c;
    T* g = grad + row * c;
    int t = target[row];
    if (t == kIgnoreIndex) {
      for (i64 j = 0; j < c; j++) {
        g[j] = T(0);
      }
      terms[row] = 0;
      continue;
    }
    double max = -INFINITY;
    for (i64 j = 0; j < c; j++) {
      max = java_max(max, (double)x[j]);
    }
    double sum = 0;
    for (i64 j = 0; j < c; j++) {
      sum += exp((double)x[j] - max);
    }
    double log_sum = log(sum);
    for (i64 j = 0; j < c; j++) {
      double softmax = exp(((double)x[j] - max) - log_sum);
      g[j] = (T)((softmax - (j == t ? 1 : 0)) / dcount);
    }
    terms[row] = ((double)x[t] - max) - log_sum;
  }
}

template <typename T>
__device__ void cross_entropy_finish(const double* terms, int n, int count, T* loss) {
  __shared__ double shared[kBlock];
  double total = sum_partials(terms, n, shared);
  if (threadIdx.x == 0) {
    loss[0] = (T)(-total / (double)count);  // NaN when every row is ignored, as PyTorch
  }
}

template <typename T>
__device__ void sum_squares(const T* x, i64 n, double* partials) {
  __shared__ double shared[kBlock];
  double s = 0;
  for (i64 i = first_index(); i < n; i += stride()) {
    double v = (double)x[i];
    s += v * v;
  }
  double total = block_sum(s, shared);
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = total;
  }
}

template <typename T>
__device__ void clip_coefficient(const double* partials, int count, double max_norm, T* total_norm,
                                 double* coef) {
  __shared__ double shared[kBlock];
  double total = sum_partials(partials, count, shared);
  if (threadIdx.x == 0) {
    double norm = __dsqrt_rn(total);
    double c = max_norm / (norm + 1e-6);
    // GradClipping scales only when c < 1; scaling by exactly 1 changes nothing. A NaN c stays NaN.
    coef[0] = c >= 1 ? 1.0 : c;
    total_norm[0] = (T)norm;
  }
}

template <typename T>
__device__ void scale(T* x, i64 n, const double* coef) {
  T c = (T)coef[0];  // float32 grads are scaled in float32, as GradClipping does
  for (i64 i = first_index(); i < n; i += stride()) {
    x[i] = x[i] * c;
  }
}

template <typename T>
__device__ void sgd_step(T* p, const T* g, T* buf, i64 n, T weight_decay, T momentum, T keep, T neg_lr,
                         int decay, int first, int nesterov) {
  for (i64 i = first_index(); i < n; i += stride()) {
    T d = g[i];
    if (decay) {
      d = fused(p[i], weight_decay, d);
    }
    if (buf != nullptr) {
      T b = first ? d : fused(d, keep, buf[i] * momentum);
      buf[i] = b;
      d = nesterov ? fused(b, momentum, d) : b;
    }
    p[i] = fused(d, neg_lr, p[i]);
  }
}

template <typename T>
__device__ void adam_step(T* p, const T* g, T* m, T* v, T* vmax, i64 n, T neg_step_size,
                          T bias_correction2_sqrt, T eps, T beta1, T one_minus_beta1, T beta2,
                          T one_minus_beta2, T weight_decay, T decay, int mode) {
  for (i64 i = first_index(); i < n; i += stride()) {
    T gi = g[i];
    T pi = p[i];
    if (mode == kAdamDecoupled) {
      pi = pi * decay;
    } else if (mode == kAdamL2) {
      gi = fused(pi, weight_decay, gi);
    }
    T mi = fused(gi, one_minus_beta1, m[i] * beta1);
    T vi = fused(one_minus_beta2 * gi, gi, v[i] * beta2);  // addcmul_: self + (value * t1) * t2
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (vmax != nullptr) {
      second = java_max(vmax[i], vi);
      vmax[i] = second;
    }
    T denom = sqrt_rn(second) / bias_correction2_sqrt + eps;
    p[i] = pi + neg_step_size * mi / denom;  // addcdiv_: self + (value * t1) / t2, nothing fused
  }
}

}  // namespace rnn4j

using namespace rnn4j;

// One exported entry per dtype: plain C names, so cuModuleGetFunction finds rnn4j_<op>_f32 / _f64.
#define RNN4J_TRAINING_KERNELS(T, SUFFIX)                                                            \
  extern "C" __global__ void rnn4j_add_row_bias_##SUFFIX(T* y, const T* b, i64 m, i64 k) {          \
    add_row_bias<T>(y, b, m, k);                                                                   \
  }                                                                                                \
  extern "C" __global__ void rnn4j_sum_rows_##SUFFIX(const T* x, T* out, i64 m, i64 k) {           \
    sum_rows<T>(x, out, m, k);                                                                     \
  }                                                                                                \
  extern "C" __global__ void rnn4j_mse_##SUFFIX(const T* p, const T* t, T* dp, i64 n,              \
                                                double* partials) {                                \
    mse<T>(p, t, dp, n, partials);                                                                 \
  }                                                                                                \
  extern "C" __global__ void rnn4j_mse_finish_##SUFFIX(const double* partials, int count, i64 n,   \
                                                       T* loss) {                                  \
    mse_finish<T>(partials, count, n, loss);                                                       \
  }                                                                                                \
  extern "C" __global__ void rnn4j_cross_entropy_##SUFFIX(const T* logits, const int* target,     \
                                                          T* grad, i64 n, i64 c, int count,       \
                                                          double* terms) {                        \
    cross_entropy<T>(logits, target, grad, n, c, count, terms);                                    \
  }                                                                                                \
  extern "C" __global__ void rnn4j_cross_entropy_finish_##SUFFIX(const double* terms, int n,       \
                                                                 int count, T* loss) {             \
    cross_entropy_finish<T>(terms, n, count, loss);                                                \
  }                                                                                                \
  extern "C" __global__ void rnn4j_sum_squares_##SUFFIX(const T* x, i64 n, double* partials) {     \
    sum_squares<T>(x, n, partials);                                                                \
  }                                                                                                \
  extern "C" __global__ void rnn4j_clip_coefficient_##SUFFIX(const double* partials, int count,    \
                                                             double max_norm, T* total_norm,       \
                                                             double* coef) {                       \
    clip_coefficient<T>(partials, count, max_norm, total_norm, coef);                              \
  }                                                                                                \
  extern "C" __global__ void rnn4j_scale_##SUFFIX(T* x, i64 n, const double* coef) {               \
    scale<T>(x, n, coef);                                                                          \
  }                                                                                                \
  extern "C" __global__ void rnn4j_sgd_step_##SUFFIX(T* p, const T* g, T* buf, i64 n,              \
                                                     T weight_decay, T momentum, T keep, T neg_lr, \
                                                     int decay, int first, int nesterov) {         \
    sgd_step<T>(p, g, buf, n, weight_decay, momentum, keep, neg_lr, decay, first, nesterov);       \
  }                                                                                                \
  extern "C" __global__ void rnn4j_adam_step_##SUFFIX(                                             \
      T* p, const T* g, T* m, T* v, T* vmax, i64 n, T neg_step_size, T bias_correction2_sqrt,      \
      T eps, T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T weight_decay, T decay,      \
      int mode) {                                                                                  \
    adam_step<T>(p, g, m, v, vmax, n, neg_step_size, bias_correction2_sqrt, eps, beta1,            \
                 one_minus_beta1, beta2, one_minus_beta2, weight_decay, decay, mode);              \
  }

RNN4J_TRAINING_KERNELS(float, f32)
RNN4J_TRAINING_KERNELS(double, f64)
