package io.modelstash.format;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every element type that a PyTorch checkpoint or a safetensors file can carry.
 *
 * <p>{@link #torchName()} is the name without {@code torch.} ({@code float32}, {@code bfloat16});
 * for the three safetensors-only sub-byte types it is the ml_dtypes name. {@link #bits()} is the
 * width of one logical element (4 for safetensors {@code F4}); {@link #elementSize()} is the bytes
 * one element takes in a PyTorch storage (packed types count their packed byte).
 */
public enum DType {
  FLOAT64("float64", 64, Kind.FLOAT, "F64", "DoubleStorage"),
  FLOAT32("float32", 32, Kind.FLOAT, "F32", "FloatStorage"),
  FLOAT16("float16", 16, Kind.FLOAT, "F16", "HalfStorage"),
  BFLOAT16("bfloat16", 16, Kind.FLOAT, "BF16", "BFloat16Storage"),
  FLOAT8_E5M2("float8_e5m2", 8, Kind.FLOAT, "F8_E5M2", null),
  FLOAT8_E4M3FN("float8_e4m3fn", 8, Kind.FLOAT, "F8_E4M3", null),
  FLOAT8_E5M2FNUZ("float8_e5m2fnuz", 8, Kind.FLOAT, "F8_E5M2FNUZ", null),
  FLOAT8_E4M3FNUZ("float8_e4m3fnuz", 8, Kind.FLOAT, "F8_E4M3FNUZ", null),
  FLOAT8_E8M0FNU("float8_e8m0fnu", 8, Kind.FLOAT, "F8_E8M0", null),
  /** Two fp4 values packed in one byte; torch shapes count bytes. */
  FLOAT4_E2M1FN_X2("float4_e2m1fn_x2", 8, Kind.FLOAT, null, null),
  /** safetensors {@code F4}: shapes count 4-bit elements. */
  FLOAT4_E2M1FN("float4_e2m1fn", 4, Kind.FLOAT, "F4", null),
  FLOAT6_E2M3FN("float6_e2m3fn", 6, Kind.FLOAT, "F6_E2M3", null),
  FLOAT6_E3M2FN("float6_e3m2fn", 6, Kind.FLOAT, "F6_E3M2", null),
  COMPLEX128("complex128", 128, Kind.COMPLEX, null, "ComplexDoubleStorage"),
  COMPLEX64("complex64", 64, Kind.COMPLEX, "C64", "ComplexFloatStorage"),
  COMPLEX32("complex32", 32, Kind.COMPLEX, null, null),
  INT64("int64", 64, Kind.SIGNED, "I64", "LongStorage"),
  INT32("int32", 32, Kind.SIGNED, "I32", "IntStorage"),
  INT16("int16", 16, Kind.SIGNED, "I16", "ShortStorage"),
  INT8("int8", 8, Kind.SIGNED, "I8", "CharStorage"),
  UINT64("uint64", 64, Kind.UNSIGNED, "U64", null),
  UINT32("uint32", 32, Kind.UNSIGNED, "U32", null),
  UINT16("uint16", 16, Kind.UNSIGNED, "U16", null),
  UINT8("uint8", 8, Kind.UNSIGNED, "U8", "ByteStorage"),
  BOOL("bool", 8, Kind.BOOL, "BOOL", "BoolStorage"),
  QINT8("qint8", 8, Kind.QUANTIZED, null, "QInt8Storage"),
  QUINT8("quint8", 8, Kind.QUANTIZED, null, "QUInt8Storage"),
  QINT32("qint32", 32, Kind.QUANTIZED, null, "QInt32Storage"),
  QUINT4X2("quint4x2", 8, Kind.QUANTIZED, null, "QUInt4x2Storage"),
  QUINT2X4("quint2x4", 8, Kind.QUANTIZED, null, "QUInt2x4Storage"),
  BITS8("bits8", 8, Kind.BITS, null, null),
  BITS16("bits16", 16, Kind.BITS, null, null),
  BITS1X8("bits1x8", 8, Kind.BITS, null, null),
  BITS2X4("bits2x4", 8, Kind.BITS, null, null),
  BITS4X2("bits4x2", 8, Kind.BITS, null, null),
  UINT1("uint1", 8, Kind.BITS, null, null),
  UINT2("uint2", 8, Kind.BITS, null, null),
  UINT3("uint3", 8, Kind.BITS, null, null),
  UINT4("uint4", 8, Kind.BITS, null, null),
  UINT5("uint5", 8, Kind.BITS, null, null),
  UINT6("uint6", 8, Kind.BITS, null, null),
  UINT7("uint7", 8, Kind.BITS, null, null),
  INT1("int1", 8, Kind.BITS, null, null),
  INT2("int2", 8, Kind.BITS, null, null),
  INT3("int3", 8, Kind.BITS, null, null),
  INT4("int4", 8, Kind.BITS, null, null),
  INT5("int5", 8, Kind.BITS, null, null),
  INT6("int6", 8, Kind.BITS, null, null),
  INT7("int7", 8, Kind.BITS, null, null);

  /** What the bits of an element mean; codecs and byte swapping depend on it. */
  public enum Kind {
    FLOAT,
    COMPLEX,
    SIGNED,
    UNSIGNED,
    BOOL,
    QUANTIZED,
    BITS
  }

  private static final Map<String, DType> BY_TORCH = new HashMap<>();
  private static final Map<String, DType> BY_SAFETENSORS = new HashMap<>();
  private static final Map<String, DType> BY_STORAGE = new HashMap<>();

  static {
    for (DType t : values()) {
      BY_TORCH.put(t.torchName, t);
      if (t.safetensorsName != null) {
        BY_SAFETENSORS.put(t.safetensorsName, t);
      }
      if (t.storageClass != null) {
        BY_STORAGE.put(t.storageClass, t);
      }
    }
  }

  private final String torchName;
  private final int bits;
  private final Kind kind;
  private final String safetensorsName;
  private final String storageClass;

  DType(String torchName, int bits, Kind kind, String safetensorsName, String storageClass) {
    this.torchName = torchName;
    this.bits = bits;
    this.kind = kind;
    this.safetensorsName = safetensorsName;
    this.storageClass = storageClass;
  }

  /** The torch name without the {@code torch.} prefix, e.g. {@code float32}. */
  public String torchName() {
    return torchName;
  }

  /** Bits per logical element. */
  public int bits() {
    return bits;
  }

  /** Bytes per element in a PyTorch storage (1 for packed sub-byte types). */
  public int elementSize() {
    return Math.max(1, bits / 8);
  }

  /**
   * Size in bytes of the unit that byte order applies to: the element, or for complex types one
   * real or imaginary component.
   */
  public int swapUnit() {
    return kind == Kind.COMPLEX ? elementSize() / 2 : elementSize();
  }

  public Kind kind() {
    return kind;
  }

  public boolean isFloatingPoint() {
    return kind == Kind.FLOAT || kind == Kind.COMPLEX;
  }

  /** The safetensors dtype string ({@code F32}, {@code BF16}, …), if safetensors has one. */
  public Optional<String> safetensorsName() {
    return Optional.ofNullable(safetensorsName);
  }

  /** The legacy typed-storage class name ({@code FloatStorage}), if there is one. */
  public Optional<String> storageClass() {
    return Optional.ofNullable(storageClass);
  }

  public static Optional<DType> fromTorchName(String name) {
    return Optional.ofNullable(BY_TORCH.get(name));
  }

  public static Optional<DType> fromSafetensorsName(String name) {
    return Optional.ofNullable(BY_SAFETENSORS.get(name));
  }

  /** Maps {@code FloatStorage} (without module) to its dtype. */
  public static Optional<DType> fromStorageClass(String className) {
    return Optional.ofNullable(BY_STORAGE.get(className));
  }

  @Override
  public String toString() {
    return torchName.toLowerCase(Locale.ROOT);
  }
}
