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
# This JVM only starts the cluster's JVMs, with the flags Spark's launcher gives its own.
java -Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider \
  -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.rnn4j.spark.SparkClusterBench "$rounds" "$report"
