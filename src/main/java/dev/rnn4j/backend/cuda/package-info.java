/**
 * The CUDA backend: cuDNN's RNN kernels through JCuda. The only package that may import {@code jcuda.*},
 * because JCuda's classes load native libraries when first touched; nothing outside it names a JCuda type.
 *
 * <p>{@code CublasForwarder} (no JCuda types) lets JCublas2, which links CUDA 12's {@code libcublas.so.12},
 * run on a machine with only CUDA 13's cuBLAS, by building a small forwarding library with gcc.
 *
 * <p>Limits: Linux x86-64 only; cuDNN 9 must be installed (see {@code docs/gpu.md}).
 */
package dev.rnn4j.backend.cuda;
