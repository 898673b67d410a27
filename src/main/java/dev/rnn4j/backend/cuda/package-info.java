/**
 * The CUDA backend: cuDNN's v8 RNN API through JCuda, rnn4j's own PTX kernels, cuBLAS for the linear head,
 * and training that stays on the device. This is the only package that imports {@code jcuda.*}; nothing in
 * it loads native code until CUDA is asked for ({@code --device auto|cuda|cuda:N}).
 *
 * <p>Map: {@link dev.rnn4j.backend.cuda.CudaLibraries} finds and loads the driver, cuDNN and cuBLAS;
 * {@code CudaDevice} holds a device's primary context, kernel module and pool of {@code CudaWorker}s (stream,
 * cuDNN and cuBLAS handles, pinned staging buffer); {@code DeviceBuffer} is device memory with one owner;
 * {@code CudnnRnn} maps PyTorch's parameters onto cuDNN's weight space and runs the passes;
 * {@code CudaRnnKernel} is the host-tensor {@link dev.rnn4j.backend.RnnKernel}; {@code CudaKernels} launches
 * the PTX kernels of {@code kernels/}, whose CPU twins are in {@code KernelTwins}.
 */
package dev.rnn4j.backend.cuda;
