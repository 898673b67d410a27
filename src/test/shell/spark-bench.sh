#!/usr/bin/env bash
# Issue 22's Spark benchmark (docs/spark.md, "What a step costs"): starts a standalone Spark cluster with two
# one-core executor JVMs from the Spark jars Maven resolves for the tests, submits the benchmark application
# with target/rnn4j.jar, and writes the report. Minutes; run it on an otherwise idle machine.
#
#   bash src/test/shell/spark-bench.sh [ROUNDS] [REPORT]     (defaults: 3, docs/spark-bench/standalone.txt)
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-3}
report=${2:-docs/spark-bench/standalone.txt}
mvn -q -B -ntp -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mvn -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
# The module flags spark-submit gives Spark's JVMs, as the tests' argLine in pom.xml.
opens=(--add-modules=jdk.incubator.vector)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
    java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
    sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
java "${opens[@]}" -Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.rnn4j.spark.SparkClusterBench "$rounds" "$report"
