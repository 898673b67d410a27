/**
 * Files in the formats PyTorch users already have: safetensors for tensors ({@link
 * dev.rnn4j.io.Safetensors}, {@link dev.rnn4j.io.SafetensorsFile}, {@link
 * dev.rnn4j.io.SafetensorsWriter}) and a JSON model config holding the constructor arguments of
 * {@code torch.nn.RNN / LSTM / GRU} ({@link dev.rnn4j.io.ModelConfigJson}).
 *
 * <p>A safetensors file is treated as untrusted input. Before any data is decoded, the reader
 * checks every rule the reference Rust crate checks: the 8-byte header length against the file and
 * a 100 MB bound (before allocating from it), UTF-8 and JSON syntax, each entry's dtype, shape and
 * {@code data_offsets}, that each byte range matches its dtype and shape (with overflow-safe
 * arithmetic), and that the ranges tile the data section with no gap or overlap. Every failure is
 * an {@link java.lang.IllegalArgumentException} whose message names the file, the rule and the
 * values.
 *
 * <p>Integrity: {@link dev.rnn4j.io.SafetensorsWriter#dataChecksum()} stores the SHA-256 of the
 * data section under the {@code __metadata__} key {@code rnn4j.sha256} ({@link
 * dev.rnn4j.io.Safetensors#DATA_CHECKSUM_KEY}); every read ({@link dev.rnn4j.io.Safetensors#read},
 * {@link dev.rnn4j.io.Safetensors#parse}, and so every reader built on them) refuses a file whose
 * tensor bytes no longer hash to it, with {@code <file>: tensor data checksum mismatch (stored
 * 1a2b3c4d5e6f..., computed 4d5e6f7a8b9c...): the file is corrupt}. A file without the key
 * (PyTorch's) is read as it is, and PyTorch reads files with it as any other. The option is off by
 * default so that the writer can reproduce Python's bytes; rnn4j's own files (checkpoints, exported
 * models, the command line's outputs) turn it on. Files are written through {@link
 * dev.rnn4j.io.AtomicFiles}: a reader sees the old file or the new one, never part of one.
 *
 * <p>Limits:
 *
 * <ul>
 *   <li>Files are read whole into memory: at most 2 GiB, with no memory mapping and no lazy or
 *       partial loading.
 *   <li>Only F32 and F64 decode to a {@link dev.rnn4j.tensor.Tensor}, and I64 and I32 to {@code
 *       long[]}. Every other dtype of the format (BF16, F16, U8, BOOL, the FP8 and sub-byte
 *       formats...) is parsed, validated and listed, but not decoded.
 *   <li>Dimensions are at most {@code Integer.MAX_VALUE}, and a decoded tensor holds at most {@code
 *       Integer.MAX_VALUE} elements, as {@link dev.rnn4j.tensor.Tensor} does.
 *   <li>The writer lays tensors out in insertion order, where the Python library sorts them by
 *       descending dtype and then by name; both are valid files, byte-identical when the insertion
 *       order is the Python order. Tensors are not individually aligned beyond the 8-byte header
 *       padding (the Python library does the same).
 *   <li>The model config describes the module's constructor only: not weights, not training state,
 *       and not a Hugging Face {@code config.json}.
 *   <li>Sizes read from a model config are bounded ({@link dev.rnn4j.io.SizeLimits}): at most 1024
 *       layers and 2^20 features, far above real models, so that a crafted file is refused before
 *       anything is sized from it.
 * </ul>
 */
package dev.rnn4j.io;
