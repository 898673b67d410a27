/**
 * The CUDA backend: cuDNN's v8 RNN API through JCuda, rnn4j's own PTX kernels, cuBLAS for the linear head,
 * and training that stays on the device. The only package that may import {@code jcuda.*}, because JCuda's
 * classes load native libraries when first touched; nothing outside it names a JCuda type, and nothing in it
 * loads native code until CUDA is asked for ({@code --device auto|cuda|cuda:N}).
 *
 * <p>Map: {@link dev.rnn4j.backend.cuda.CudaLibraries} finds and loads the driver, cuDNN and cuBLAS
 * ({@code LibrarySearch} looks where installs put them; {@link dev.rnn4j.backend.cuda.CublasForwarder}
 * builds, with gcc, the forwarding {@code libcublas.so.12} that lets JCublas2 run on CUDA 13's cuBLAS);
 * {@code CudaDevice} holds a device's primary context, kernel module and pool of {@code CudaWorker}s (stream,
 * cuDNN and cuBLAS handles, pinned staging buffer); {@code DeviceBuffer} is device memory with one owner;
 * {@code CudnnRnn} maps PyTorch's parameters onto cuDNN's weight space and runs the passes on device buffers
 * ({@code RnnPass}); {@code CudaRnnKernel} is the host-tensor {@link dev.rnn4j.backend.RnnKernel};
 * {@code CudaKernels} launches the PTX kernels built from {@code kernels/}, whose CPU twins are in
 * {@code KernelTwins}.
 *
 * <p>Limits: Linux x86-64 only; cuDNN 9 must be installed (see {@code docs/gpu.md}).
 */
package dev.rnn4j.backend.cuda;
