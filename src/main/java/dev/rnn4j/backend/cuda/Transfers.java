package dev.rnn4j.backend.cuda;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import jcuda.driver.CUdeviceptr;

/** Host tensors to device buffers and back, through a worker's pinned staging buffer. */
final class Transfers {
  private Transfers() {}

  /** Allocates a buffer and queues the upload of {@code t} into it. */
  static DeviceBuffer upload(CudaWorker w, Tensor t) {
    DeviceBuffer b = w.allocate(t.dtype(), t.numel());
    upload(w, t, b.pointer());
    return b;
  }

  /** Queues the upload of {@code t} to {@code dst}. */
  static void upload(CudaWorker w, Tensor t, CUdeviceptr dst) {
    if (t.dtype() == DType.FLOAT32) {
      float[] a = t.toFloatArray();
      w.upload(a, 0, a.length, dst);
    } else {
      double[] a = t.toDoubleArray();
      w.upload(a, 0, a.length, dst);
    }
  }

  /** A host tensor that a queued download fills; read it after {@link CudaWorker#finishDownloads()}. */
  static final class Pending {
    private final Object data;
    private final int[] shape;
    private final int numel;

    private Pending(Object data, int[] shape, int numel) {
      this.data = data;
      this.shape = shape;
      this.numel = numel;
    }

    /** A host tensor of {@code shape} that downloads fill piece by piece with {@link #fill}. */
    static Pending of(DType dtype, int... shape) {
      int n = 1;
      for (int s : shape) {
        n *= s;
      }
      return new Pending(dtype == DType.FLOAT32 ? new float[n] : new double[n], shape, n);
    }

    /** Queues the download of {@code count} elements from {@code src} into this tensor's {@code offset..}. */
    void fill(CudaWorker w, CUdeviceptr src, int offset, int count) {
      if (data instanceof float[] f) {
        w.download(src, f, offset, count);
      } else {
        w.download(src, (double[]) data, offset, count);
      }
    }

    Tensor tensor() {
      return data instanceof float[] f ? Tensor.wrap(f, shape) : Tensor.wrap((double[]) data, shape);
    }
  }

  /** Queues the download of a tensor of {@code shape} from {@code src}. */
  static Pending download(CudaWorker w, CUdeviceptr src, DType dtype, int... shape) {
    Pending p = Pending.of(dtype, shape);
    p.fill(w, src, 0, p.numel);
    return p;
  }

  /** Queues the upload of {@code count} elements of {@code t} (converted to {@code dtype}) from {@code from}. */
  static void upload(CudaWorker w, Tensor t, DType dtype, int from, int count, CUdeviceptr dst) {
    if (dtype == DType.FLOAT32) {
      w.upload(t.to(dtype).toFloatArray(), from, count, dst);
    } else {
      w.upload(t.to(dtype).toDoubleArray(), from, count, dst);
    }
  }
}
