package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Element order, byte order and lazy conj/neg of tensor views. */
class TensorTest {

  private static Storage floats(boolean bigEndian, float... values) {
    ByteBuffer b =
        ByteBuffer.allocate(values.length * 4)
            .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return new Storage("0", DType.FLOAT32, b.capacity(), ByteSource.wrap(b.array()), bigEndian);
  }

  private static float[] elements(Tensor t) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    t.writeElements(out);
    ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[b.remaining() / 4];
    for (int i = 0; i < f.length; i++) {
      f[i] = b.getFloat();
    }
    return f;
  }

  private static Tensor view(Storage s, long offset, long[] shape, long[] stride) {
    return new Tensor("t", DType.FLOAT32, shape, stride, offset, s, false, false, false);
  }

  @Test
  void transposeIsReadInRowMajorOrderOfTheView() throws IOException {
    Storage s = floats(false, 0, 1, 2, 3, 4, 5);
    Tensor t = view(s, 0, new long[] {3, 2}, new long[] {1, 3});
    assertThat(elements(t)).containsExactly(0, 3, 1, 4, 2, 5);
    assertThat(t.isContiguous()).isFalse();
  }

  @Test
  void sliceWithOffsetAndExpandedStrideZero() throws IOException {
    Storage s = floats(false, 0, 1, 2, 3, 4, 5);
    assertThat(elements(view(s, 2, new long[] {2}, new long[] {1}))).containsExactly(2, 3);
    assertThat(elements(view(s, 1, new long[] {2, 3}, new long[] {0, 2})))
        .containsExactly(1, 3, 5, 1, 3, 5);
  }

  @Test
  void bigEndianStoragesAreSwappedPerElement() throws IOException {
    Storage s = floats(true, 1.5f, -2f, 3.25f);
    assertThat(elements(view(s, 0, new long[] {3}, new long[] {1})))
        .containsExactly(1.5f, -2f, 3.25f);
    assertThat(elements(view(s, 0, new long[] {2}, new long[] {2}))).containsExactly(1.5f, 3.25f);
  }

  @Test
  void pendingNegationAndConjugationAreApplied() throws IOException {
    Storage s = floats(false, 1, -2, 0, 4);
    Tensor neg =
        new Tensor("n", DType.FLOAT32, new long[] {4}, new long[] {1}, 0, s, false, true, false);
    assertThat(elements(neg)).containsExactly(-1, 2, -0f, -4);
    Storage c = new Storage("c", DType.COMPLEX64, 16, floats(false, 1, 2, 3, -4).data(), false);
    Tensor conj =
        new Tensor("c", DType.COMPLEX64, new long[] {2}, new long[] {1}, 0, c, true, false, false);
    assertThat(elements(conj)).containsExactly(1, -2, 3, 4);
  }

  @Test
  void geometryOutsideTheStorageIsRefused() {
    assertThatThrownBy(() -> Tensor.checkGeometry("w", new long[] {2, 3}, new long[] {3, 1}, 1, 6))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("storage has 6 elements");
    assertThatThrownBy(
            () ->
                Tensor.checkGeometry(
                    "w", new long[] {Long.MAX_VALUE, 3}, new long[] {Long.MAX_VALUE, 1}, 0, 6))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("overflow");
  }
}
