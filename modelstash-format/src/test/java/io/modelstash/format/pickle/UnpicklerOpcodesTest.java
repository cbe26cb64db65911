package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.FormatException;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnpicklerOpcodesTest {
  static Object load(Pickle p) throws FormatException {
    return WeightsOnlyUnpickler.load(p.bytes());
  }

  static String refusal(Pickle p) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> load(p));
    assertThat(t).isInstanceOf(FormatException.class);
    assertThat(t.getMessage()).startsWith("Cannot load pickle: ").doesNotContain("\n");
    return t.getMessage();
  }

  @Test
  void smallIntsAreUnsignedAndBinintIsSigned() throws Exception {
    assertThat(load(Pickle.proto2().binint1(255).stop())).isEqualTo(255L);
    assertThat(load(Pickle.proto2().binint2(0xFFFF).stop())).isEqualTo(65535L);
    assertThat(load(Pickle.proto2().binint(-1).stop())).isEqualTo(-1L);
    assertThat(load(Pickle.proto2().binint(Integer.MIN_VALUE).stop()))
        .isEqualTo((long) Integer.MIN_VALUE);
  }

  @Test
  void long1IsLittleEndianTwosComplement() throws Exception {
    assertThat(load(Pickle.proto2().op(0x8A).u8(0).stop())).isEqualTo(0L);
    assertThat(load(Pickle.proto2().op(0x8A).u8(1).u8(0xFF).stop())).isEqualTo(-1L);
    assertThat(load(Pickle.proto2().op(0x8A).u8(2).u8(0x00).u8(0x80).stop())).isEqualTo(-32768L);
    assertThat(load(Pickle.proto2().long1(BigInteger.ONE.shiftLeft(63)).stop()))
        .isEqualTo(BigInteger.ONE.shiftLeft(63));
    assertThat(load(Pickle.proto2().long1(BigInteger.valueOf(Long.MIN_VALUE)).stop()))
        .isEqualTo(Long.MIN_VALUE);
    assertThat(load(Pickle.proto2().long1(BigInteger.TEN.pow(30).negate()).stop()))
        .isEqualTo(BigInteger.TEN.pow(30).negate());
  }

  @Test
  void binfloatIsBigEndian() throws Exception {
    Pickle p = Pickle.proto2().op('G').u8(0x3F).u8(0xF8).le(0, 6).stop();
    assertThat(load(p)).isEqualTo(1.5);
    assertThat(load(Pickle.proto2().binfloat(Double.NaN).stop())).isEqualTo(Double.NaN);
    assertThat(load(Pickle.proto2().binfloat(-0.0).stop())).isEqualTo(-0.0);
  }

  @Test
  void binunicodeIsUtf8WithSurrogatepass() throws Exception {
    assertThat(load(Pickle.proto2().str("h\u00e9llo \uD83D\uDE00 \u65e5").stop()))
        .isEqualTo("h\u00e9llo \uD83D\uDE00 \u65e5");
    Pickle lone = Pickle.proto2().op('X').le(3, 4).u8(0xED).u8(0xA0).u8(0x80).stop();
    assertThat(load(lone)).isEqualTo("\uD800");
    Pickle invalid = Pickle.proto2().op('X').le(2, 4).u8(0xC3).u8(0x28).stop();
    assertThat(refusal(invalid)).contains("not valid UTF-8");
    Pickle overlong = Pickle.proto2().op('X').le(2, 4).u8(0xC0).u8(0x80).stop();
    assertThat(refusal(overlong)).contains("not valid UTF-8");
    Pickle tooHigh = Pickle.proto2().op('X').le(4, 4).u8(0xF4).u8(0x90).u8(0x80).u8(0x80).stop();
    assertThat(refusal(tooHigh)).contains("not valid UTF-8");
  }

  @Test
  void shortBinstringIsStrictUtf8() throws Exception {
    assertThat(load(Pickle.proto2().op('U').u8(3).ascii("abc").stop())).isEqualTo("abc");
    Pickle surrogate = Pickle.proto2().op('U').u8(3).u8(0xED).u8(0xA0).u8(0x80).stop();
    assertThat(refusal(surrogate)).contains("SHORT_BINSTRING is not valid UTF-8");
  }

  @Test
  void constantsAndProtocols() throws Exception {
    assertThat(load(Pickle.proto2().none().stop())).isSameAs(PyNone.NONE);
    assertThat(load(Pickle.proto2().bool(true).stop())).isEqualTo(true);
    assertThat(load(Pickle.proto2().bool(false).stop())).isEqualTo(false);
    // torch only warns about other protocol numbers.
    assertThat(load(Pickle.raw().op(0x80).u8(4).binint1(7).stop())).isEqualTo(7L);
    assertThat(load(Pickle.raw().binint1(7).stop())).isEqualTo(7L);
  }

  @Test
  void trailingBytesAfterStopAreIgnored() throws Exception {
    byte[] data = Pickle.proto2().binint1(1).stop().ascii("garbage").bytes();
    assertThat(WeightsOnlyUnpickler.load(data)).isEqualTo(1L);
    WeightsOnlyUnpickler.Loaded l = WeightsOnlyUnpickler.loadAt(data, 0, Limits.defaults());
    assertThat(l.end()).isEqualTo(5);
    byte[] two = Pickle.proto2().binint1(1).stop().op(0x80).u8(2).str("b").stop().bytes();
    assertThat(WeightsOnlyUnpickler.loadAt(two, 5, Limits.defaults()).value()).isEqualTo("b");
  }

  @Test
  void tuples() throws Exception {
    assertThat(load(Pickle.proto2().emptyTuple().stop())).isEqualTo(PyTuple.EMPTY);
    assertThat(load(Pickle.proto2().binint1(1).tuple1().stop())).isEqualTo(PyTuple.of(1L));
    assertThat(load(Pickle.proto2().binint1(1).binint1(2).tuple2().stop()))
        .isEqualTo(PyTuple.of(1L, 2L));
    assertThat(load(Pickle.proto2().binint1(1).binint1(2).binint1(3).tuple3().stop()))
        .isEqualTo(PyTuple.of(1L, 2L, 3L));
    assertThat(load(Pickle.proto2().mark().binint1(1).str("a").none().bool(true).tuple().stop()))
        .isEqualTo(PyTuple.of(1L, "a", PyNone.NONE, true));
  }

  @Test
  void listsAppendAndAppends() throws Exception {
    Object l =
        load(
            Pickle.proto2()
                .emptyList()
                .binint1(1)
                .append()
                .mark()
                .binint1(2)
                .binint1(3)
                .appends()
                .stop());
    assertThat(l).isEqualTo(PyList.of(1L, 2L, 3L));
  }

  @Test
  void dictsSetitemAndSetitems() throws Exception {
    PyDict d =
        (PyDict)
            load(
                Pickle.proto2()
                    .emptyDict()
                    .str("a")
                    .binint1(1)
                    .setitem()
                    .mark()
                    .str("b")
                    .binint1(2)
                    .str("c")
                    .none()
                    .setitems()
                    .stop());
    assertThat(d.kind()).isEqualTo(PyDict.Kind.DICT);
    assertThat(d.keys()).containsExactly("a", "b", "c");
    assertThat(d.get("c")).isSameAs(PyNone.NONE);
  }

  @Test
  void dictKeysFollowPythonEquality() throws Exception {
    // {1: 'a', True: 'b', 1.0: 'c', 1+0j: 'd'} is {1: 'd'} in Python.
    Pickle p =
        Pickle.proto2()
            .emptyDict()
            .mark()
            .binint1(1)
            .str("a")
            .bool(true)
            .str("b")
            .binfloat(1.0)
            .str("c")
            .global("__builtin__", "complex")
            .binfloat(1.0)
            .binfloat(0.0)
            .tuple2()
            .reduce()
            .str("d")
            .setitems()
            .stop();
    PyDict d = (PyDict) load(p);
    assertThat(d.size()).isEqualTo(1);
    assertThat(d.keys().get(0)).isEqualTo(1L);
    assertThat(d.get(true)).isEqualTo("d");
    assertThat(d.get(1.0)).isEqualTo("d");
    PyDict zeros =
        (PyDict)
            load(
                Pickle.proto2()
                    .emptyDict()
                    .binfloat(-0.0)
                    .binint1(1)
                    .setitem()
                    .binint1(0)
                    .binint1(2)
                    .setitem()
                    .stop());
    assertThat(zeros.size()).isEqualTo(1);
    assertThat(zeros.get(0L)).isEqualTo(2L);
    PyDict nans =
        (PyDict)
            load(
                Pickle.proto2()
                    .emptyDict()
                    .binfloat(Double.NaN)
                    .binint1(1)
                    .setitem()
                    .binfloat(Double.NaN)
                    .binint1(2)
                    .setitem()
                    .stop());
    assertThat(nans.size()).isEqualTo(2);
    PyDict tuples =
        (PyDict)
            load(
                Pickle.proto2()
                    .emptyDict()
                    .binint1(1)
                    .binint1(2)
                    .tuple2()
                    .str("x")
                    .setitem()
                    .bool(true)
                    .binfloat(2.0)
                    .tuple2()
                    .str("y")
                    .setitem()
                    .stop());
    assertThat(tuples.entries()).hasSize(1);
    assertThat(tuples.get(PyTuple.of(1L, 2L))).isEqualTo("y");
  }

  @Test
  void unhashableKeysAreRefused() {
    assertThat(refusal(Pickle.proto2().emptyDict().emptyList().binint1(1).setitem().stop()))
        .contains("unhashable type: 'list'");
    assertThat(
            refusal(Pickle.proto2().emptyDict().emptyList().tuple1().binint1(1).setitem().stop()))
        .contains("unhashable type: 'tuple'");
  }

  @Test
  void emptySet() throws Exception {
    assertThat(load(Pickle.proto2().op(0x8F).stop())).isEqualTo(new PySet(List.of()));
  }

  @Test
  void memoSharesObjects() throws Exception {
    PyTuple t = (PyTuple) load(Pickle.proto2().emptyList().put(0).get(0).tuple2().stop());
    assertThat(t.get(0)).isSameAs(t.get(1));
    PyTuple big =
        (PyTuple)
            load(
                Pickle.proto2().str("x").longPut(0xFFFFFFFFL).longGet(0xFFFFFFFFL).tuple2().stop());
    assertThat(big.get(1)).isSameAs(big.get(0));
  }

  @Test
  void memoErrors() {
    assertThat(refusal(Pickle.proto2().get(5).stop()))
        .contains("BINGET of memo index 5, which was never put");
    assertThat(refusal(Pickle.proto2().longGet(0xFFFFFFFFL).stop()))
        .contains("memo index 4294967295");
    assertThat(refusal(Pickle.proto2().put(0).stop())).contains("stack underflow");
  }

  @Test
  void cyclicListLoadsAndPrints() throws Exception {
    PyList l = (PyList) load(Pickle.proto2().emptyList().put(0).get(0).append().stop());
    assertThat(l.get(0)).isSameAs(l);
    assertThat(l.toString()).isEqualTo("[[...]]");
    PyList other = (PyList) load(Pickle.proto2().emptyList().put(0).get(0).append().stop());
    assertThat(l).isEqualTo(other);
    assertThat(l.hashCode()).isEqualTo(other.hashCode());
    PyDict d = (PyDict) load(Pickle.proto2().emptyDict().put(0).binint1(1).get(0).setitem().stop());
    assertThat(d.get(1L)).isSameAs(d);
    assertThat(d.toString()).isEqualTo("{1: {...}}");
  }

  @Test
  void structuralErrors() {
    assertThat(refusal(Pickle.raw())).contains("truncated at offset 0");
    assertThat(refusal(Pickle.proto2().binint1(1))).contains("truncated at offset 4");
    assertThat(refusal(Pickle.proto2().op('J').u8(1))).contains("BININT needs 4 bytes");
    assertThat(refusal(Pickle.proto2().stop())).contains("stack underflow: STOP");
    assertThat(refusal(Pickle.proto2().reduce().stop())).contains("stack underflow: REDUCE");
    assertThat(refusal(Pickle.proto2().binint1(1).tuple2().stop()))
        .contains("stack underflow: TUPLE2 needs 2 values");
    assertThat(refusal(Pickle.proto2().tuple().stop())).contains("TUPLE without a matching MARK");
    assertThat(refusal(Pickle.proto2().emptyList().appends().stop()))
        .contains("APPENDS without a matching MARK");
    // After MARK the frame is empty even though the stack below is not.
    assertThat(refusal(Pickle.proto2().binint1(1).mark().tuple1().stop()))
        .contains("stack underflow: TUPLE1");
    assertThat(refusal(Pickle.proto2().emptyDict().mark().binint1(1).setitems().stop()))
        .contains("odd number");
    assertThat(refusal(Pickle.proto2().emptyDict().binint1(1).append().stop()))
        .contains("Can only append to lists, but got dict");
    assertThat(refusal(Pickle.proto2().emptyList().binint1(1).binint1(2).setitem().stop()))
        .contains("Can only SETITEM for dict");
    assertThat(refusal(Pickle.proto2().op('X').le(10, 4).ascii("abc")))
        .contains("BINUNICODE needs 10 bytes, only 3 left");
  }

  private static final Set<Integer> ACCEPTED = new java.util.HashSet<>();

  static {
    for (int op :
        new int[] {
          0x80, '.', 'c', 'R', 0x81, 'b', '(', 't', 0x85, 0x86, 0x87, ')', ']', 'a', 'e', '}', 's',
          'u', 0x8F, 'N', 0x88, 0x89, 'K', 'M', 'J', 0x8A, 'G', 'X', 'U', 'Q', 'h', 'j', 'q', 'r'
        }) {
      ACCEPTED.add(op);
    }
  }

  @Test
  void everyOtherOpcodeIsUnsupported() {
    for (int op = 0; op < 256; op++) {
      if (ACCEPTED.contains(op)) {
        continue;
      }
      String m = refusal(Pickle.proto2().binint1(1).op(op).le(0, 16).stop());
      assertThat(m)
          .contains("Unsupported operand " + op + " (" + Opcodes.name(op) + ") at offset 4");
    }
    assertThat(refusal(Pickle.raw().op(0x80).u8(4).op(0x95).le(10, 8)))
        .contains("Unsupported operand 149 (FRAME)")
        .contains("protocol-2");
    assertThat(refusal(Pickle.proto2().op('I').ascii("1\n").stop()))
        .contains("Unsupported operand 73 (INT)");
  }

  @Test
  void limitsAreEnforced() {
    byte[] ten =
        Pickle.proto2().mark().binint1(1).binint1(2).binint1(3).binint1(4).tuple().stop().bytes();
    assertThatThrownBy(() -> WeightsOnlyUnpickler.load(ten, new Limits(5, 10, 10, 100)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("more than 5 opcodes");
    byte[] memo = Pickle.proto2().binint1(1).put(0).put(1).put(2).stop().bytes();
    assertThatThrownBy(() -> WeightsOnlyUnpickler.load(memo, new Limits(100, 10, 2, 100)))
        .hasMessageContaining("more than 2 memo entries");
    assertThatThrownBy(() -> WeightsOnlyUnpickler.load(ten, new Limits(100, 10, 10, 5)))
        .hasMessageContaining("longer than the limit of 5 bytes");
    byte[] marks = Pickle.proto2().mark().mark().mark().binint1(1).stop().bytes();
    assertThatThrownBy(() -> WeightsOnlyUnpickler.load(marks, new Limits(100, 2, 10, 100)))
        .hasMessageContaining("more than 2 nested MARKs");
    byte[] nested =
        Pickle.proto2().emptyList().emptyList().emptyList().append().append().stop().bytes();
    assertThatThrownBy(() -> WeightsOnlyUnpickler.load(nested, new Limits(100, 2, 10, 100)))
        .hasMessageContaining("nested more than 2 deep");
  }
}
