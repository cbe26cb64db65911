package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PickleScannerTest {
  private static List<ScannedStorage> scan(Pickle p) throws FormatException {
    return PickleScanner.scan(p.bytes());
  }

  private static String refusal(Pickle p) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> scan(p));
    assertThat(t).isInstanceOf(FormatException.class);
    assertThat(t.getMessage()).startsWith("Cannot scan pickle: ");
    return t.getMessage();
  }

  private static Pickle v3(String key, long nbytes, String dtype) {
    return Pickle.raw()
        .global("torch._utils", "_rebuild_tensor_v3")
        .mark()
        .storage("torch.storage", "UntypedStorage", key, nbytes)
        .binint1(0)
        .ints(1)
        .ints(1)
        .bool(false)
        .orderedDict()
        .global("torch", dtype)
        .tuple()
        .reduce();
  }

  @Test
  void untypedStoragesTakeTheDtypeOfTheirV3Tensors() throws Exception {
    Pickle p =
        Pickle.proto2()
            .mark()
            .raw(v3("0", 8, "uint16").bytes())
            .raw(v3("0", 8, "uint16").bytes())
            .raw(v3("1", 4, "float8_e4m3fn").bytes())
            .storage("torch.storage", "UntypedStorage", "2", 5)
            .tuple()
            .stop();
    assertThat(scan(p))
        .containsExactly(
            new ScannedStorage("0", DType.UINT16, 4, true),
            new ScannedStorage("1", DType.FLOAT8_E4M3FN, 4, true),
            new ScannedStorage("2", DType.UINT8, 5, true));
  }

  @Test
  void conflictingOrMisalignedV3DtypesKeepUint8() throws Exception {
    Pickle conflict =
        Pickle.proto2()
            .mark()
            .raw(v3("0", 8, "uint16").bytes())
            .raw(v3("0", 8, "float8_e5m2").bytes())
            .raw(v3("1", 6, "uint32").bytes())
            .tuple()
            .stop();
    assertThat(scan(conflict))
        .containsExactly(
            new ScannedStorage("0", DType.UINT8, 8, true),
            new ScannedStorage("1", DType.UINT8, 6, true));
  }

  @Test
  void v3InsideRebuildFromTypeV2() throws Exception {
    Pickle p =
        Pickle.proto2()
            .global("torch._tensor", "_rebuild_from_type_v2")
            .mark()
            .global("torch._utils", "_rebuild_tensor_v3")
            .global("torch", "Tensor")
            .mark()
            .storage("torch.storage", "UntypedStorage", "0", 8)
            .binint1(0)
            .ints(2)
            .ints(1)
            .bool(false)
            .orderedDict()
            .global("torch", "uint32")
            .tuple()
            .emptyDict()
            .tuple()
            .reduce()
            .stop();
    assertThat(scan(p)).containsExactly(new ScannedStorage("0", DType.UINT32, 2, true));
  }

  @Test
  void anyGlobalIsInert() throws Exception {
    Pickle p =
        Pickle.proto2()
            .global("argparse", "Namespace")
            .emptyTuple()
            .newobj()
            .emptyDict()
            .str("lr")
            .binfloat(0.1)
            .setitem()
            .build()
            .global("os", "system")
            .str("rm")
            .tuple1()
            .reduce()
            .storage("FloatStorage", "0", 3)
            .tuple3()
            .stop();
    assertThat(scan(p)).containsExactly(new ScannedStorage("0", DType.FLOAT32, 3, false));
  }

  @Test
  void protocolZeroTextOpcodes() throws Exception {
    // (I1 L2L S'storage' V..., F1.5, dict/list/tuple/inst/obj, PUT/GET, PERSID, POP, DUP.
    Pickle p =
        Pickle.raw()
            .ascii("(I01\nI-5\nL123456789012345678901234567890L\nF1.5\n")
            .ascii("S'a\\'b\\x41\\n'\nV\\u00e9\\U0001F600\n(dp0\nS'k'\np1\nI1\nsg1\n")
            .ascii("(lp2\nI1\naI2\na(tp3\n0(i__main__\nFoo\n(c__main__\nBar\nI1\no")
            .ascii("PABC\n2(S'storage'\ncUserDict\nUserDict\nS'0'\nS'cpu'\nI0\ntp4\n1")
            .ascii("(S'storage'\nctorch\nFloatStorage\nS'7'\nS'cpu'\nI3\ntQ.");
    assertThat(scan(p)).containsExactly(new ScannedStorage("7", DType.FLOAT32, 3, false));
  }

  @Test
  void protocolFourAndFiveOpcodes() throws Exception {
    Pickle p =
        Pickle.raw()
            .op(0x80)
            .u8(5)
            .op(0x95)
            .le(100, 8)
            .op(0x8C)
            .u8(5)
            .ascii("torch")
            .op(0x94)
            .op(0x8C)
            .u8(12)
            .ascii("FloatStorage")
            .op(0x94)
            .op(0x93)
            .op(0x94)
            .op('B')
            .le(2, 4)
            .ascii("xy")
            .op('C')
            .u8(1)
            .ascii("z")
            .op(0x8E)
            .le(1, 8)
            .ascii("w")
            .op(0x96)
            .le(0, 8)
            .op(0x98)
            .op(0x97)
            .op(0x8F)
            .mark()
            .binint1(1)
            .op(0x90)
            .mark()
            .binint1(2)
            .op(0x91)
            .global("x", "Y")
            .emptyTuple()
            .emptyDict()
            .op(0x92)
            .op(0x82)
            .u8(1)
            .op(0x83)
            .le(2, 2)
            .op(0x84)
            .le(3, 4)
            .op(0x8B)
            .le(1, 4)
            .u8(5)
            .op(0x8D)
            .le(1, 8)
            .ascii("s")
            .mark()
            .op(0x8C)
            .u8(7)
            .ascii("storage")
            .get(2)
            .op(0x8C)
            .u8(1)
            .ascii("3")
            .op(0x8C)
            .u8(3)
            .ascii("cpu")
            .binint1(9)
            .tuple()
            .persid()
            .stop();
    assertThat(scan(p)).containsExactly(new ScannedStorage("3", DType.FLOAT32, 9, false));
  }

  @Test
  void legacySixTuplesAndCudaStorages() throws Exception {
    Pickle p =
        Pickle.proto2()
            .mark()
            .str("storage")
            .global("torch.cuda", "HalfStorage")
            .str("9931")
            .str("cuda:0")
            .binint1(10)
            .mark()
            .str("9932")
            .binint1(2)
            .binint1(4)
            .tuple()
            .tuple()
            .persid()
            .stop();
    assertThat(scan(p)).containsExactly(new ScannedStorage("9931", DType.FLOAT16, 10, false));
  }

  @Test
  void firstDeclarationWins() throws Exception {
    Pickle p =
        Pickle.proto2()
            .storage("FloatStorage", "0", 3)
            .storage("LongStorage", "0", 9)
            .tuple2()
            .stop();
    assertThat(scan(p)).containsExactly(new ScannedStorage("0", DType.FLOAT32, 3, false));
  }

  @Test
  void structuralErrorsAndBadStorageIds() {
    assertThat(refusal(Pickle.proto2())).contains("truncated");
    assertThat(refusal(Pickle.proto2().append().stop())).contains("stack underflow: APPEND");
    assertThat(refusal(Pickle.proto2().tuple().stop())).contains("TUPLE without a matching MARK");
    assertThat(refusal(Pickle.proto2().get(3).stop())).contains("memo index 3");
    assertThat(refusal(Pickle.proto2().op(0xFF).stop())).contains("unknown opcode 255");
    assertThat(refusal(Pickle.raw().ascii("I12x\n."))).contains("not a decimal integer");
    assertThat(refusal(Pickle.raw().ascii("Sabc\n."))).contains("must be quoted");
    assertThat(refusal(Pickle.proto2().op(0x95).le(1L << 40, 8).stop()))
        .contains("FRAME of 1099511627776 bytes runs past the end");
    assertThat(refusal(Pickle.proto2().op('T').le(-1, 4).stop())).contains("negative length");
    assertThat(refusal(Pickle.proto2().storage("FloatStorage", "../x", 1).stop()))
        .contains("invalid storage key");
    assertThat(refusal(Pickle.proto2().storage("BogusStorage", "0", 1).stop()))
        .contains("unknown storage type torch.BogusStorage");
    assertThat(refusal(Pickle.proto2().storage("DoubleStorage", "0", 1L << 61).stop()))
        .contains("overflows a long");
  }

  @Test
  void limits() {
    byte[] marks = Pickle.proto2().mark().mark().mark().stop().bytes();
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> PickleScanner.scan(marks, new Limits(100, 2, 10, 100)));
    assertThat(t).isInstanceOf(FormatException.class).hasMessageContaining("nested MARKs");
  }
}
