/**
 * The CUDA backend: cuDNN's v8 RNN API through JCuda, rnn4j's own PTX kernels, cuBLAS for linear
 * layers, all behind the {@link dev.rnn4j.backend.Backend} SPI. The only package that may import
 * {@code jcuda.*}, because JCuda's classes load native libraries when first touched; nothing
 * outside it names a JCuda type, and nothing in it loads native code until CUDA is asked for
 * ({@code --device auto|cuda|cuda:N}).
 *
 * <p>Map: {@link dev.rnn4j.backend.cuda.CudaLibraries} finds and loads the driver, cuDNN and cuBLAS
 * ({@code LibrarySearch} looks where installs put them; {@link
 * dev.rnn4j.backend.cuda.CublasForwarder} builds, with gcc, the forwarding {@code libcublas.so.12}
 * that lets JCublas2 run on CUDA 13's cuBLAS); {@code CudaDevice} holds a device's primary context,
 * kernel module, {@code CachingAllocator} and its one {@code CudaWorker} (stream, cuDNN and cuBLAS
 * handles, pinned staging buffer) on which all of the device's work runs; {@code CudaStorage} is a
 * block from the allocator ({@code DeviceBuffer}) or a view into one; {@code CudnnRnn} locates
 * PyTorch's parameters in cuDNN's weight space and caches a plan per pass shape; {@code
 * CudaRnnKernel} is the {@link dev.rnn4j.backend.RnnKernel} whose parameters and gradients are
 * views into the weight space and its gradient twin; {@code CudaKernels} launches the PTX kernels
 * built from {@code kernels/} ({@code LaunchGeometry} fixes their grids; their CPU twins are in the
 * tests).
 *
 * <p>Limits: Linux x86-64 only; cuDNN 9 must be installed (see {@code docs/gpu.md}).
 */
package dev.rnn4j.backend.cuda;
