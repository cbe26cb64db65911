package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.DType;
import org.junit.jupiter.api.Test;

class ElementTypeTest {

  @Test
  void mapsEveryDType() {
    for (DType d : DType.values()) {
      ElementType t = ElementType.of(d);
      assertThat(t.width()).as("%s", d).isEqualTo(d.bits() >= 8 ? d.elementSize() : 1);
      assertThat(t.floating()).as("%s", d).isEqualTo(d.isFloatingPoint() && d.bits() >= 8);
    }
    assertThat(ElementType.of(DType.FLOAT32)).isEqualTo(ElementType.FLOAT32);
    assertThat(ElementType.of(DType.BFLOAT16)).isEqualTo(ElementType.FLOAT16);
    assertThat(ElementType.of(DType.FLOAT16)).isEqualTo(ElementType.FLOAT16);
    assertThat(ElementType.of(DType.FLOAT64)).isEqualTo(ElementType.FLOAT64);
    assertThat(ElementType.of(DType.FLOAT8_E4M3FN)).isEqualTo(ElementType.FLOAT8);
    assertThat(ElementType.of(DType.INT64)).isEqualTo(ElementType.integer(8));
    assertThat(ElementType.of(DType.BOOL)).isEqualTo(ElementType.OPAQUE);
    assertThat(ElementType.of(DType.FLOAT4_E2M1FN)).isEqualTo(ElementType.OPAQUE);
  }

  @Test
  void complexTypesGroupByComponent() {
    assertThat(ElementType.of(DType.COMPLEX64).unitWidth()).isEqualTo(4);
    assertThat(ElementType.of(DType.COMPLEX128).unitWidth()).isEqualTo(8);
    assertThat(ElementType.of(DType.COMPLEX32).unitWidth()).isEqualTo(2);
    assertThat(ElementType.of(DType.COMPLEX128).width()).isEqualTo(16);
    assertThat(ElementType.FLOAT32.unitWidth()).isEqualTo(4);
  }

  @Test
  void refusesImpossibleCombinations() {
    assertThatThrownBy(() -> new ElementType(3, true, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot describe an element of 3 bytes (use 1, 2, 4 or 8)");
    assertThatThrownBy(() -> new ElementType(16, true, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ElementType(2, true, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot describe a complex element of 2 bytes (complex elements are float pairs of 4,"
                + " 8 or 16 bytes)");
    assertThatThrownBy(() -> new ElementType(8, false, true))
        .hasMessageContaining("that is not floating-point");
  }
}
