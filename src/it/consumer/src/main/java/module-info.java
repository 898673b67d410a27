/**
 * README's example as a named module. rnn4j is the automatic module {@code dev.rnn4j}, and an automatic
 * module declares no dependencies: the application requires rnn4j's logging API itself (JCuda's jars,
 * automatic modules too, are resolved with rnn4j).
 */
module example {
  requires dev.rnn4j;
  requires org.slf4j;
}
