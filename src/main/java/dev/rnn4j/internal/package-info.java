/** Helpers shared by rnn4j's packages. Not API: anything here may change without notice. */
package dev.rnn4j.internal;
