/**
 * The CUDA backend's native side, and the only package that imports {@code jcuda.*}. So far: rnn4j's own
 * kernels ({@code kernels/*.cu}, shipped as PTX resources), loaded and launched by {@code CudaKernels},
 * with {@code KernelTwins} as their pure-Java twins and {@link dev.rnn4j.backend.cuda.CudaException} for
 * failed driver calls.
 *
 * <p>Limits: the PTX targets {@code sm_75} at ISA 7.0, so it needs a GPU of compute capability 7.5 or
 * newer and a CUDA 11.0+ driver. The kernels agree with their twins bit for bit, and with the CPU classes
 * of {@code dev.rnn4j.train} bit for bit for the optimizers and the loss gradient, to rounding for the
 * sums (the loss value, the gradient norm, the bias gradient), whose order differs.
 */
package dev.rnn4j.backend.cuda;
