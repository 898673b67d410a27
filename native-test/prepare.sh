#!/usr/bin/env bash
# Builds everything the GPU machine needs into native-test/bundle/, on a machine with Maven and a JDK 17
# (the GPU machine has neither Maven nor network access). Run from anywhere; it works in the repository root.
#
#   bash native-test/prepare.sh
#
# The bundle (ignored by git; carry it to the GPU machine with the working tree):
#   rnn4j.jar               the runnable jar (target/rnn4j.jar, shaded: JCuda's classes and its four JNI
#                           libraries for the driver, runtime, cuBLAS and cuDNN)
#   junit-platform-console-standalone.jar
#                           JUnit's console launcher, which runs the tests without Maven
#   test/classes            target/classes          } the test class path, as Maven's: rnn4j unshaded,
#   test/test-classes       target/test-classes     } the tests without their fixtures (run.sh puts the
#                                                     repository's src/test/resources on the class path),
#   test/lib/*.jar          the test-scope jars     } minus JUnit (in the launcher), JMH and netlib (only
#                                                     the benchmarks use them) and JCuda's native jars,
#                                                     whose libraries come from rnn4j.jar (last on run.sh's
#                                                     class path)
#   jre.tar.gz              a jlinked Java 17 runtime with the modules the jar and the tests use, packed
#                           (gzip of the uncompressed image is half the size of jlink's own compression);
#                           run.sh unpacks it
#   manifest.txt            what was built, from which commit, and the sizes
#
# It fails when the bundle exceeds 60 MiB, or when the jlinked runtime cannot run `rnn4j demo` and a few
# CPU tests through the console launcher.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly BUNDLE=native-test/bundle
readonly MAX_MIB=60
readonly JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:1.11.4
readonly MODULES=java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector

say() { printf '== %s\n' "$*"; }
die() { printf 'prepare.sh: %s\n' "$*" >&2; exit 1; }

for tool in mvn jlink unzip; do
  command -v "$tool" >/dev/null || die "$tool is not on the PATH"
done

say "mvn package (tests compiled, not run)"
# package compiles the tests too (-DskipTests skips only running them).
mvn -B -ntp -q -DskipTests package

jar=target/rnn4j.jar
listing=$(unzip -Z1 "$jar")
for entry in jcuda/driver/JCudaDriver.class jcuda/jcublas/JCublas2.class jcuda/jcudnn/JCudnn.class \
    dev/rnn4j/backend/cuda/CublasForwarder.class dev/rnn4j/backend/cuda/cublas12-imports.txt; do
  grep -qx "$entry" <<<"$listing" || die "$jar lacks $entry"
done
for lib in JCudaDriver JCudaRuntime JCublas2 JCudnn; do
  grep -q "^lib/lib$lib-.*-linux-x86_64\.so$" <<<"$listing" || die "$jar lacks JCuda's lib$lib JNI library"
done

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/test/lib"
cp "$jar" "$BUNDLE/rnn4j.jar"
cp -r target/classes "$BUNDLE/test/classes"
cp -r target/test-classes "$BUNDLE/test/test-classes"
rm -rf "$BUNDLE/test/test-classes/fixtures"
# Spark is provided (a cluster brings it) and its tests need no GPU: neither travels.
rm -rf "$BUNDLE/test/test-classes/dev/rnn4j/spark"

say "test-scope jars"
# Runtime scope: the test-only jars are JUnit (in the launcher), JMH and netlib (benchmarks only), and Spark is
# provided.
mvn -B -ntp -q dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$BUNDLE/test/lib" \
  -DexcludeArtifactIds=jcuda-natives,jcublas-natives,jcudnn-natives,junit-jupiter,junit-jupiter-api,junit-jupiter-engine,junit-jupiter-params,junit-platform-commons,junit-platform-engine,opentest4j,apiguardian-api,jmh-core,jmh-generator-annprocess,jopt-simple,commons-math3,blas,arpack_combined_all
mvn -B -ntp -q dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory="$BUNDLE" -Dmdep.stripVersion=true

say "jlink ($MODULES)"
jre=$(mktemp -d)/jre
trap 'rm -rf "$(dirname "$jre")"' EXIT
jlink --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=0 --output "$jre" \
  2>&1 | grep -v 'incubator modules' || true
if command -v strip >/dev/null; then
  find "$jre" -name '*.so' -exec strip --strip-unneeded {} +
fi

say "checking the bundle with its own runtime"
java_bin="$jre/bin/java"
"$java_bin" -jar "$BUNDLE/rnn4j.jar" demo --device cpu > "$BUNDLE/.demo.log" 2>&1 \
  || { cat "$BUNDLE/.demo.log"; die "the jlinked runtime cannot run rnn4j demo"; }
cp_test="$BUNDLE/test/test-classes:src/test/resources:$BUNDLE/test/classes:$(printf '%s:' "$BUNDLE"/test/lib/*.jar)$BUNDLE/rnn4j.jar"
"$java_bin" --add-modules jdk.incubator.vector \
  -jar "$BUNDLE/junit-platform-console-standalone.jar" execute --disable-banner --details=summary \
  --class-path "$cp_test" \
  --select-class dev.rnn4j.architecture.DependencyRulesTest \
  --select-class dev.rnn4j.backend.cuda.CublasForwarderTest \
  --select-class dev.rnn4j.nn.ForwardParityTest \
  --fail-if-no-tests > "$BUNDLE/.tests.log" 2>&1 \
  || { cat "$BUNDLE/.tests.log"; die "the console launcher failed on CPU tests with the jlinked runtime"; }
grep -E 'tests (successful|failed|skipped)' "$BUNDLE/.tests.log"
rm -f "$BUNDLE/.demo.log" "$BUNDLE/.tests.log"
tar -C "$(dirname "$jre")" -czf "$BUNDLE/jre.tar.gz" jre

bytes=$(du -sb "$BUNDLE" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
{
  echo "rnn4j GPU test bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "jre: $("$java_bin" -version 2>&1 | head -1), modules $MODULES"
  echo "size: $mib MiB"
  du -sh "$BUNDLE"/* | sed 's/^/  /'
} > "$BUNDLE/manifest.txt"
cat "$BUNDLE/manifest.txt"
if (( bytes > MAX_MIB * 1048576 )); then
  die "the bundle is $mib MiB, over the $MAX_MIB MiB limit"
fi
say "bundle ready: $BUNDLE ($mib MiB)"
