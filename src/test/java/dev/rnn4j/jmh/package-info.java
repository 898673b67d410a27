/**
 * JMH micro-benchmarks of rnn4j's inner kernels, kept apart from the library: test scope only,
 * never run by {@code mvn test}, and independent of rnn4j's own classes.
 *
 * <ul>
 *   <li>{@link dev.rnn4j.jmh.GemmBenchmark}: float32 matrix products at every benchmark
 *       configuration's GEMM shapes (per-step recurrent product and per-layer input projection),
 *       through {@code BLAS.getInstance()} and {@code JavaBLAS.getInstance()} (with the weights as
 *       PyTorch stores them and packed transposed) and two plain Java triple loops.
 *   <li>{@link dev.rnn4j.jmh.CellBenchmark}: the elementwise LSTM and GRU cell updates at the S2
 *       and S3 {@code batch × hidden} sizes.
 *   <li>{@link dev.rnn4j.jmh.PlainLoopBenchmark}: the loop forms a plain Java product can take
 *       (rows of C by rows of B per pass, the sums in k order): the ceiling of the path without the
 *       Vector API.
 *   <li>{@code dev.rnn4j.backend.cpu.CpuKernelBenchmark} (in the backend's package, to reach its
 *       package-private classes): the backend's own product over packed weights and its cell
 *       updates, as the kernel calls them; run it the same way with {@code CpuKernelBenchmark} as
 *       the pattern.
 * </ul>
 *
 * <p>Run everything (from the repository root; JMH's annotation processor runs during {@code
 * test-compile}):
 *
 * <pre>
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *   &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.openjdk.jmh.Main \
 *        -f 3 -wi 5 -i 5 dev.rnn4j.jmh
 * </pre>
 *
 * <p>The class defaults are 3 forks, 5 warm-up and 5 measurement iterations of 2 s each (10 s of
 * warm-up, as {@code shared/notes/performance-anchors.md} §6 asks) in sample-time mode, which
 * reports the median ({@code p0.50}) and {@code p0.90} per benchmark. The full set is long (23
 * shapes × 6 GEMM variants plus 8 cell benchmarks, about a minute each with 3 forks: over two
 * hours), so usually pick a subset: the positional argument is a regex on the benchmark
 * <em>method</em> name, and parameters are chosen with {@code -p}:
 *
 * <pre>
 * # a quick check (one short fork)
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.openjdk.jmh.Main \
 *   -f 1 -wi 1 -i 1 -w 1 -r 1 -p shape=S2.step,S2.in0 'GemmBenchmark'
 * # only the two BLAS instances, W as stored, at the step shapes of S3 and C4; average time instead of samples
 * java -cp ... org.openjdk.jmh.Main -bm avgt -p shape=S3.step,C4.step 'GemmBenchmark\.(blas|javaBlas)$'
 * # the cell updates at S3, results as JSON
 * java -cp ... org.openjdk.jmh.Main -p size=S3 -rf json -rff target/jmh-cell.json CellBenchmark
 * </pre>
 *
 * <p>GEMM FLOP per call is {@code 2·M·N·K} (printed at the start of each trial with the shape and
 * the BLAS classes in use), so GFLOP/s = that / time. The GEMM forks add {@code
 * --add-modules=jdk.incubator.vector} so that VectorBLAS can load on JDK 17 (the JVM prints a
 * warning about the incubator module). State the JDK, the BLAS class and the machine with every
 * number.
 */
package dev.rnn4j.jmh;
