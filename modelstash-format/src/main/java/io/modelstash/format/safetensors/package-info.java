/**
 * Reading and writing safetensors files (huggingface/safetensors; reference: the Rust crate's
 * {@code safetensors/src/tensor.rs}).
 *
 * <h2>Byte layout</h2>
 *
 * <pre>
 * offset 0      u64 little-endian N: length of the header, at most 100,000,000
 * offset 8      N bytes: UTF-8 JSON object, optionally surrounded by JSON whitespace
 *               (writers pad it at the end with spaces 0x20 to a multiple of 8)
 * offset 8 + N  data buffer: the tensors' bytes, little-endian, row-major, no strides;
 *               it ends exactly at the end of the file
 * </pre>
 *
 * The header maps each tensor name (any string but {@code __metadata__}) to {@code {"dtype": "F32",
 * "shape": [2, 3], "data_offsets": [BEGIN, END]}}, offsets relative to the data buffer; the
 * optional {@code "__metadata__"} maps strings to strings. Sorted by {@code (BEGIN, END)}, the
 * tensors tile the data buffer with no gap and no overlap, and {@code END - BEGIN = Π shape ×
 * bits(dtype) / 8}. Shapes count logical elements, also for the sub-byte {@code F4} (4 bits) and
 * {@code F6_*} (6 bits) types, whose totals must fill whole bytes. A scalar has shape {@code []}; a
 * zero-size tensor has {@code BEGIN == END}.
 *
 * <p>{@link io.modelstash.format.safetensors.SafetensorsFile} reads and validates the header;
 * {@link io.modelstash.format.safetensors.SafetensorsWriter} writes files byte-identical to the
 * reference writer's.
 */
package io.modelstash.format.safetensors;
