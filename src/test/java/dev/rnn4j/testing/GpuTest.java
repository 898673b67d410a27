package dev.rnn4j.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Marks a test that needs a CUDA device. Such tests run only through {@code native-test/run.sh} on
 * a GPU machine, which sets {@code -Drnn4j.gpu=true}; everywhere else (CI included) they are
 * skipped with the reason below, and the JVM never loads JCuda's native libraries.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@EnabledIfSystemProperty(
    named = "rnn4j.gpu",
    matches = "true",
    disabledReason =
        "needs a CUDA GPU: run native-test/run.sh on a GPU machine (it sets -Drnn4j.gpu=true)")
public @interface GpuTest {}
