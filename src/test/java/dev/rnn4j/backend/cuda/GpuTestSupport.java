package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.DType;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * Raw JCuda for GPU tests: the primary context of device {@code -Drnn4j.gpu.device} (default 0)
 * made current, one stream, and device buffers that are all freed by {@link #close()}. Host data is
 * {@code double[]} whatever the dtype (float32 values are exactly representable), so a test is
 * written once for both dtypes.
 */
final class GpuTestSupport implements AutoCloseable {
  /**
   * The byte that fills "poisoned" outputs: 0x7B7B7B7B is a finite float32, 0x7B7B...7B a float64.
   */
  private static final byte POISON = 0x7B;

  final CUstream stream = new CUstream();
  private final CUdevice device = new CUdevice();
  private final List<CUdeviceptr> allocations = new ArrayList<>();
  private boolean retained;
  private boolean streamCreated;

  GpuTestSupport() {
    try {
      NativeCalls.checkDriver("cuInit", JCudaDriver.cuInit(0));
      int ordinal = Integer.getInteger("rnn4j.gpu.device", 0);
      NativeCalls.checkDriver(
          "cuDeviceGet(" + ordinal + ")", JCudaDriver.cuDeviceGet(device, ordinal));
      CUcontext context = new CUcontext();
      NativeCalls.checkDriver(
          "cuDevicePrimaryCtxRetain", JCudaDriver.cuDevicePrimaryCtxRetain(context, device));
      retained = true;
      NativeCalls.checkDriver("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(context));
      NativeCalls.checkDriver(
          "cuStreamCreate", JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT));
      streamCreated = true;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** A device copy of {@code values} in {@code dtype}. */
  CUdeviceptr upload(DType dtype, double[] values) {
    CUdeviceptr p = alloc((long) values.length * dtype.byteSize());
    Pointer host = dtype == DType.FLOAT32 ? Pointer.to(toFloats(values)) : Pointer.to(values);
    NativeCalls.checkDriver(
        "cuMemcpyHtoD", JCudaDriver.cuMemcpyHtoD(p, host, (long) values.length * dtype.byteSize()));
    return p;
  }

  /** A device copy of int32 {@code values}. */
  CUdeviceptr upload(int[] values) {
    CUdeviceptr p = alloc(4L * values.length);
    NativeCalls.checkDriver(
        "cuMemcpyHtoD", JCudaDriver.cuMemcpyHtoD(p, Pointer.to(values), 4L * values.length));
    return p;
  }

  /**
   * {@code n} elements of {@code dtype} filled with the poison pattern, so unwritten outputs show.
   */
  CUdeviceptr poisoned(DType dtype, long n) {
    long bytes = n * dtype.byteSize();
    CUdeviceptr p = alloc(bytes);
    NativeCalls.checkDriver("cuMemsetD8", JCudaDriver.cuMemsetD8(p, POISON, bytes));
    NativeCalls.checkDriver("cuCtxSynchronize", JCudaDriver.cuCtxSynchronize());
    return p;
  }

  /** Waits for the stream (surfacing kernel errors), then copies {@code n} elements back. */
  double[] download(DType dtype, CUdeviceptr p, int n) {
    NativeCalls.checkDriver("cuStreamSynchronize", JCudaDriver.cuStreamSynchronize(stream));
    long bytes = (long) n * dtype.byteSize();
    if (dtype == DType.FLOAT32) {
      float[] host = new float[n];
      NativeCalls.checkDriver("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(Pointer.to(host), p, bytes));
      return toDoubles(host);
    }
    double[] host = new double[n];
    NativeCalls.checkDriver("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(Pointer.to(host), p, bytes));
    return host;
  }

  private CUdeviceptr alloc(long bytes) {
    CUdeviceptr p = new CUdeviceptr();
    NativeCalls.checkDriver(
        "cuMemAlloc(" + bytes + ")", JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1)));
    allocations.add(p);
    return p;
  }

  static float[] toFloats(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return f;
  }

  static double[] toDoubles(float[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = values[i];
    }
    return d;
  }

  @Override
  public void close() {
    if (streamCreated) {
      JCudaDriver.cuStreamSynchronize(stream);
    }
    for (CUdeviceptr p : allocations) {
      JCudaDriver.cuMemFree(p);
    }
    allocations.clear();
    if (streamCreated) {
      JCudaDriver.cuStreamDestroy(stream);
      streamCreated = false;
    }
    if (retained) {
      JCudaDriver.cuDevicePrimaryCtxRelease(device);
      retained = false;
    }
  }
}
