package io.modelstash.store.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelPathTest {

  @Test
  void parsesAndPrintsExactly() {
    ModelPath p = ModelPath.parse("ProjectAlpha/Experiment1/model.v2_final-3");
    assertThat(p.segments()).containsExactly("ProjectAlpha", "Experiment1", "model.v2_final-3");
    assertThat(p).hasToString("ProjectAlpha/Experiment1/model.v2_final-3");
    assertThat(p.name()).isEqualTo("model.v2_final-3");
    assertThat(p.parent()).contains(ModelPath.parse("ProjectAlpha/Experiment1"));
    assertThat(ModelPath.parse("m").parent()).isEmpty();
    assertThat(ModelPath.of("a", "b")).isEqualTo(ModelPath.parse("a/b"));
  }

  @Test
  void namesTheProblemInOneLine() {
    assertThatThrownBy(() -> ModelPath.parse("../x"))
        .isInstanceOf(InvalidNameException.class)
        .hasMessage(
            "Invalid model path '../x': segment '..' is not allowed (use letters, digits, '.',"
                + " '_', '-')");
    assertThatThrownBy(() -> ModelPath.parse("a//b"))
        .hasMessage("Invalid model path 'a//b': segment 2 is empty (remove the extra '/')");
    assertThatThrownBy(() -> ModelPath.parse("a/b c"))
        .hasMessage(
            "Invalid model path 'a/b c': segment 'b c' contains ' ' (use letters, digits, '.',"
                + " '_', '-')");
    assertThatThrownBy(() -> ModelPath.parse("a/\u001b[2J"))
        .hasMessageContaining("\\u001b")
        .hasMessageNotContaining("\u001b");
    assertThatThrownBy(() -> ModelPath.parse("")).hasMessageContaining("it is empty");
    assertThatThrownBy(() -> ModelPath.parse("a/".repeat(16) + "b"))
        .hasMessageContaining("17 segments, at most 16");
    assertThatThrownBy(() -> ModelPath.parse("x".repeat(256)))
        .hasMessageContaining("at most 255")
        .hasMessageContaining("...");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {".", "..", "/a", "a/", "a/./b", "a/../b", "a\\b", "a@b", "é", "a b", "a\tb", "a/"})
  void refusesInvalidPaths(String text) {
    assertThatThrownBy(() -> ModelPath.parse(text))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageStartingWith("Invalid model path")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void acceptsSixteenSegmentsAndDottedNames() {
    String sixteen = String.join("/", java.util.Collections.nCopies(16, "s"));
    assertThat(ModelPath.parse(sixteen).segments()).hasSize(16);
    assertThat(ModelPath.parse("...").name()).isEqualTo("...");
    assertThat(ModelPath.parse(".hidden/.x").segments()).containsExactly(".hidden", ".x");
  }

  @Test
  void prefixMatchingIsBySegment() {
    ModelPath ab = ModelPath.parse("a/b");
    assertThat(ModelPath.parse("a/b/c").startsWith(ab)).isTrue();
    assertThat(ab.startsWith(ab)).isTrue();
    assertThat(ModelPath.parse("a/bc").startsWith(ab)).isFalse();
    assertThat(ModelPath.parse("a").startsWith(ab)).isFalse();
  }

  @Test
  void sortsSegmentBySegment() {
    List<ModelPath> sorted =
        java.util.stream.Stream.of("a/b", "a", "a-b", "a/b/c", "B")
            .map(ModelPath::parse)
            .sorted()
            .toList();
    assertThat(sorted).map(ModelPath::toString).containsExactly("B", "a", "a/b", "a/b/c", "a-b");
  }

  @Property
  void parsesWhatItPrints(@ForAll("paths") String text) {
    ModelPath p = ModelPath.parse(text);
    assertThat(p.toString()).isEqualTo(text);
    assertThat(ModelPath.parse(p.toString())).isEqualTo(p);
  }

  @Property
  void neverThrowsAnythingButInvalidName(@ForAll String text) {
    try {
      assertThat(ModelPath.parse(text).toString()).isEqualTo(text);
    } catch (InvalidNameException e) {
      assertThat(e.getMessage()).startsWith("Invalid model path").doesNotContain("\n");
    }
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> segment =
        Arbitraries.strings()
            .withChars("abcXYZ019._-")
            .ofMinLength(1)
            .ofMaxLength(12)
            .filter(s -> !s.equals(".") && !s.equals(".."));
    return segment.list().ofMinSize(1).ofMaxSize(16).map(l -> String.join("/", l));
  }
}
