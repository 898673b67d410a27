package dev.rnn4j.backend;

import dev.rnn4j.spec.RnnShape;
import java.util.List;
import java.util.OptionalLong;

/**
 * A place where tensors live and compute: the CPU, or a CUDA device. A backend allocates {@link
 * Storage}s, copies between them and the host, and runs a small set of array operations on them:
 * the recurrent stack ({@link #createRnnKernel}), the linear layer, the losses, the reductions of
 * gradient clipping, the optimizers' updates, and the gathers, scatters and layout changes between
 * them. Nothing here knows of modules or training: {@code nn} and {@code train} build those from
 * these operations, so every model trains the same way on every backend.
 *
 * <p>Every storage an operation receives is this backend's and of one dtype; sizes are element
 * counts; matrices are row-major. Operations that write into an argument say so ({@code into},
 * {@code InPlace}); the rest return new storages the caller owns. On a GPU the operations are
 * queued on the device's stream and return at once: only {@link #download} waits for them.
 */
public interface Backend {
  /**
   * The device this backend computes on.
   *
   * @return the CPU, or the CUDA device
   */
  Device device();

  /**
   * One line for logs and {@code doctor}: the device and the libraries in use.
   *
   * @return e.g. the CPU with its thread count, or the GPU with its cuDNN and cuBLAS versions
   */
  String description();

  /**
   * The counters of this backend's allocator, transfers and plans.
   *
   * @return a snapshot; later operations do not change it
   */
  BackendStats stats();

  /**
   * The bytes this backend could still allocate, for checking a configuration's memory before
   * allocating it ({@code torch.cuda.mem_get_info()}'s free memory, plus what a caching allocator
   * holds for reuse); empty when its storages live on the JVM heap, whose limit {@link
   * Runtime#maxMemory()} reports, or when the backend cannot tell.
   *
   * @return the free bytes of the device, or empty
   */
  default OptionalLong memoryAvailable() {
    return OptionalLong.empty();
  }

  /**
   * Waits until every operation queued so far has finished (for timing); the CPU's return at once.
   */
  void synchronize();

  // ---- memory and transfers ----

  /**
   * A zero-filled storage of {@code numel} elements; the caller owns it.
   *
   * @param dtype the element type
   * @param numel the number of elements, at least 0
   * @return a new storage of zeros
   */
  Storage allocate(DType dtype, long numel);

  /**
   * A new storage on this backend holding {@code source}'s values; the caller owns it.
   *
   * @param source host values, read and not kept
   * @return a new storage of {@code source.numel()} elements
   */
  Storage upload(HostStorage source);

  /**
   * Copies host values into {@code into}, one of this backend's storages of the same dtype and
   * size.
   *
   * @param source host values, read and not kept
   * @param into the storage written
   */
  void upload(HostStorage source, Storage into);

  /**
   * Copies {@code source} (this backend's) into {@code into} (same dtype and size); waits for the
   * result.
   *
   * @param source the storage read
   * @param into the host storage written
   */
  void download(Storage source, HostStorage into);

  /**
   * {@code into = source}, both this backend's, of one dtype and size.
   *
   * @param source the storage read
   * @param into the storage written
   */
  void copy(Storage source, Storage into);

  /**
   * Sets every element of {@code x} to {@code value} (rounded to the dtype).
   *
   * @param x the storage written
   * @param value the value of every element
   */
  void fillInPlace(Storage x, double value);

  /**
   * {@code x *= alpha}, with {@code alpha} rounded to the dtype first, as PyTorch's {@code mul_}.
   *
   * @param x the storage scaled
   * @param alpha the factor
   */
  void scaleInPlace(Storage x, double alpha);

  /**
   * {@code into += x} element by element: gradient accumulation.
   *
   * @param into the storage accumulated into
   * @param x the values added, of {@code into}'s size
   */
  void addInPlace(Storage into, Storage x);

  // ---- layout ----

  /**
   * {@code out (B, A, C) = in (A, B, C)} transposed in its first two dimensions.
   *
   * @param in the input, A * B * C elements
   * @param out the output, B * A * C elements, written
   * @param a the first dimension of {@code in}
   * @param b the second dimension of {@code in}
   * @param c the third dimension, kept in place
   */
  void transpose01(Storage in, Storage out, int a, int b, int c);

  /**
   * {@code out[r] = source[rows[r]]} for rows of {@code width} elements.
   *
   * @param source the rows read
   * @param width the elements per row
   * @param rows the row of {@code source} for each output row
   * @param out the {@code rows.length} rows written
   */
  void gatherRows(Storage source, int width, int[] rows, Storage out);

  /**
   * {@code into[rows[r]] = source[r]} for rows of {@code width} elements; other rows keep their
   * values.
   *
   * @param source the {@code rows.length} rows read
   * @param width the elements per row
   * @param rows the row of {@code into} each source row goes to
   * @param into the rows written
   */
  void scatterRows(Storage source, int width, int[] rows, Storage into);

  /**
   * Direction {@code d}'s half of a bidirectional output: {@code out (R, H_out) = y.view(R, 2,
   * H_out)[:, d]} for {@code y (R, 2 * H_out)}, where R is every row of the output (L * N).
   *
   * @param y the bidirectional output (R, 2 * H_out)
   * @param rows R
   * @param hOut H_out
   * @param direction 0 for the forward direction, 1 for the reverse one
   * @param out the (R, H_out) storage written
   */
  void splitDirection(Storage y, int rows, int hOut, int direction, Storage out);

  // ---- layers ----

  /**
   * Prepares a recurrent stack of this shape in {@code dtype}, its parameters zero; the caller owns
   * it and fills {@link RnnKernel#parameters()}.
   *
   * @param shape the stack: mode, sizes, layers, directions, projection, bias
   * @param dtype the element type of its parameters and passes
   * @return a new kernel
   */
  RnnKernel createRnnKernel(RnnShape shape, DType dtype);

  /**
   * {@code torch.nn.Linear}: {@code y (M, out) = x (M, in) W^T + b}, W (out, in), b (out) or null.
   * Returns y, which the caller owns.
   *
   * @param x the input (M, in)
   * @param weight W (out, in)
   * @param bias b (out), or null for none
   * @param rows M
   * @param in in_features
   * @param out out_features
   * @return a new storage y (M, out)
   */
  Storage linear(Storage x, Storage weight, Storage bias, int rows, int in, int out);

  /**
   * The gradients of {@link #linear} for {@code dy (M, out)}: returns {@code dx (M, in)} (the
   * caller owns it) and adds {@code dy^T x} to {@code weightGrad} and the column sums of dy to
   * {@code biasGrad} (null without bias).
   *
   * @param x the layer's input (M, in)
   * @param weight W (out, in)
   * @param dy the gradient of the output (M, out)
   * @param rows M
   * @param in in_features
   * @param out out_features
   * @param weightGrad the gradient of W (out, in), accumulated into
   * @param biasGrad the gradient of b (out), accumulated into, or null without bias
   * @return a new storage dx (M, in)
   */
  Storage linearBackward(
      Storage x,
      Storage weight,
      Storage dy,
      int rows,
      int in,
      int out,
      Storage weightGrad,
      Storage biasGrad);

  // ---- losses ----

  /**
   * {@code MSELoss(reduction='mean')} over {@code n} elements: writes {@code d loss / d prediction
   * = 2 (prediction - target) / n} into {@code gradInto} and returns the loss as a 1-element
   * storage of the dtype (the caller owns it; NaN for n = 0).
   *
   * @param prediction the n predictions
   * @param target the n targets, of the prediction's dtype
   * @param gradInto the n-element gradient, written
   * @return a new 1-element storage holding the loss
   */
  Storage mseLoss(Storage prediction, Storage target, Storage gradInto);

  /**
   * {@code CrossEntropyLoss(reduction='mean', ignore_index=-100)} on logits (N, C) and N class
   * indices (checked by the caller): writes d loss / d logits into {@code gradInto} and returns the
   * loss as a 1-element storage of the dtype (the caller owns it).
   *
   * @param logits the scores (N, C)
   * @param target N class indices in [0, C), or -100 to ignore a row
   * @param n N
   * @param c C
   * @param gradInto the (N, C) gradient, written
   * @return a new 1-element storage holding the loss
   */
  Storage crossEntropyLoss(Storage logits, long[] target, int n, int c, Storage gradInto);

  // ---- optimization ----

  /**
   * {@code clip_grad_norm_(max_norm, norm_type=2)} over {@code grads} together: returns the total
   * norm before clipping (a 1-element storage of the dtype; the caller owns it) and, where {@code
   * max_norm / (total_norm + 1e-6) < 1}, multiplies every gradient by that coefficient in place.
   * With {@code maxNorm} infinite nothing is scaled: the norm alone.
   *
   * @param grads the gradients, all of one dtype, scaled in place
   * @param maxNorm {@code max_norm}, positive or infinite
   * @return a new 1-element storage holding the total norm
   */
  Storage clipGradNorm(List<Storage> grads, double maxNorm);

  /**
   * One {@code torch.optim.SGD} update of {@code param} from {@code grad}; {@code momentumBuffer}
   * or null.
   *
   * @param param the parameter, updated in place
   * @param grad its gradient
   * @param momentumBuffer its momentum buffer, updated in place; null without momentum
   * @param scalars lr, momentum, dampening, weight decay and nesterov of this step
   */
  void sgdStep(Storage param, Storage grad, Storage momentumBuffer, SgdScalars scalars);

  /**
   * One Adam or AdamW update of {@code param} from {@code grad} with the moments {@code expAvg},
   * {@code expAvgSq} and, for AMSGrad only (else null), {@code maxExpAvgSq}.
   *
   * @param param the parameter, updated in place
   * @param grad its gradient
   * @param expAvg the first moment, updated in place
   * @param expAvgSq the second moment, updated in place
   * @param maxExpAvgSq the largest second moment so far, updated in place; null without AMSGrad
   * @param scalars the step's learning rate, betas, eps, weight decay and bias corrections
   */
  void adamStep(
      Storage param,
      Storage grad,
      Storage expAvg,
      Storage expAvgSq,
      Storage maxExpAvgSq,
      AdamScalars scalars);
}
