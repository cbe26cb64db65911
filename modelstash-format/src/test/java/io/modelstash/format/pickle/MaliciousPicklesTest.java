package io.modelstash.format.pickle;

import static io.modelstash.format.pickle.UnpicklerOpcodesTest.load;
import static io.modelstash.format.pickle.UnpicklerOpcodesTest.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.FormatException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hostile pickles (§9 of the format guide): they must fail fast, with a FormatException only. */
class MaliciousPicklesTest {
  private static byte[] repeat(int b, int n) {
    byte[] out = new byte[n];
    Arrays.fill(out, (byte) b);
    return out;
  }

  @Test
  void classicCodeExecutionPayloads() {
    assertThat(refusal(Pickle.raw().ascii("cos\nsystem\n(S'echo pwned'\ntR.")))
        .contains("global 'os.system' is not allowed");
    assertThat(refusal(Pickle.raw().ascii("cposix\nsystem\n(S'echo pwned'\ntR.")))
        .contains("global 'posix.system' is not allowed");
    assertThat(
            refusal(
                Pickle.proto2().global("__builtin__", "eval").str("1+1").tuple1().reduce().stop()))
        .contains("'builtins.eval'");
    assertThat(refusal(Pickle.proto2().global("builtins", "getattr").stop()))
        .contains("'builtins.getattr'");
    assertThat(
            refusal(Pickle.proto2().global("torch", "load").str("x.pt").tuple1().reduce().stop()))
        .contains("'torch.load'");
    assertThat(refusal(Pickle.proto2().global("functools", "partial").stop()))
        .contains("'functools.partial'");
    // An allowed callable cannot be turned into a gadget either.
    assertThat(
            refusal(
                Pickle.proto2()
                    .global("collections", "OrderedDict")
                    .global("os", "system")
                    .tuple1()
                    .reduce()
                    .stop()))
        .contains("'os.system'");
  }

  @Test
  void millionDeepListsFailFast() {
    byte[] deep =
        Pickle.proto2().raw(repeat(']', 1_000_000)).raw(repeat('a', 999_999)).stop().bytes();
    long start = System.nanoTime();
    assertThat(refusal(Pickle.raw().raw(deep))).contains("nested more than 1000 deep");
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }

  @Test
  void millionMarksFailFast() {
    byte[] marks = Pickle.proto2().raw(repeat('(', 1_000_000)).stop().bytes();
    assertThat(refusal(Pickle.raw().raw(marks))).contains("more than 1000 nested MARKs");
  }

  @Test
  void deepNestingBuiltThroughTheMemoIsCaughtAtStop() {
    // Lists L0..Ln are linked child-first-from-the-top, so each APPEND sees a shallow child.
    int n = 3000;
    Pickle p = Pickle.proto2();
    for (int i = 0; i < n; i++) {
      p.emptyList().longPut(i);
    }
    for (int i = n - 2; i >= 0; i--) {
      p.longGet(i + 1).longGet(i).append();
    }
    p.longGet(n - 1).stop();
    assertThat(refusal(p)).contains("nested more than 1000 deep");
  }

  @Test
  void exponentialDagStaysLinear() throws Exception {
    Pickle p = Pickle.proto2().binint1(1).put(0);
    for (int i = 0; i < 200; i++) {
      p.longGet(i).longGet(i).tuple2().longPut(i + 1);
    }
    byte[] bytes = p.stop().bytes();
    Object a = WeightsOnlyUnpickler.load(bytes);
    Object b = WeightsOnlyUnpickler.load(bytes);
    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.toString()).hasSizeLessThan(10_000);
    byte[] written = PickleWriter.write(a, PickleWriter.Compat.TORCH_1_13);
    assertThat(written.length).isLessThan(bytes.length * 2);
  }

  @Test
  void manySmallObjectsHitTheMemoryBudget() {
    byte[] lists = Pickle.proto2().raw(repeat(']', 100_000)).stop().bytes();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> WeightsOnlyUnpickler.loadAt(lists, 0, Limits.defaults(), 1 << 20))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("would take more than 1 MiB");
  }

  @Test
  void hugeDeclaredLengthsDoNotAllocate() {
    assertThat(refusal(Pickle.proto2().op('X').le(0xFFFFFFFFL, 4).ascii("abc")))
        .contains("BINUNICODE needs 4294967295 bytes, only 3 left");
    assertThat(refusal(Pickle.proto2().op(0x8A).u8(255).ascii("ab")))
        .contains("LONG1 needs 255 bytes");
    assertThat(refusal(Pickle.proto2().longGet(0xFFFFFFFFL).stop()))
        .contains("memo index 4294967295, which was never put");
  }

  @Test
  void hugeNumelsAreRefused() {
    assertThat(refusal(Pickle.proto2().storage("ComplexDoubleStorage", "0", 1L << 60).stop()))
        .contains("overflows a long");
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .long1(java.math.BigInteger.ONE.shiftLeft(64))
                    .tuple()
                    .persid()
                    .stop()))
        .contains("numel must be an int >= 0");
  }

  @Test
  void pathTraversalKeysAreRefused() {
    assertThat(refusal(Pickle.proto2().storage("FloatStorage", "0/../../data.pkl", 1).stop()))
        .contains("invalid storage key");
    assertThat(refusal(Pickle.proto2().storage("FloatStorage", "..", 1).stop()))
        .contains("invalid storage key");
  }

  @Test
  void onlyFormatExceptionEscapes() {
    // Values that pass the opcode checks but fail deeper validation still become FormatException.
    Pickle perChannelHugeScales =
        Pickle.proto2()
            .global("torch._utils", "_rebuild_qtensor")
            .mark()
            .storage("QUInt8Storage", "0", 4)
            .binint1(0)
            .ints(2, 2)
            .ints(2, 1)
            .mark()
            .global("torch", "per_channel_affine")
            .tensorV2(
                "DoubleStorage", "1", 3, 0, new long[] {1L << 62, 1L << 62}, new long[] {1, 1})
            .tensorV2("LongStorage", "2", 3, 0, new long[] {2}, new long[] {1})
            .binint1(0)
            .tuple()
            .bool(false)
            .orderedDict()
            .tuple()
            .reduce()
            .stop();
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> load(perChannelHugeScales));
    assertThat(t).isInstanceOf(FormatException.class);
  }
}
