package io.modelstash.store.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RefTest {

  private static final ModelPath P = ModelPath.parse("proj/model");

  @Test
  void parsesEveryForm() {
    assertThat(Ref.parse("proj/model")).isEqualTo(Ref.latest(P));
    assertThat(Ref.parse("proj/model@latest")).isEqualTo(Ref.latest(P));
    assertThat(Ref.parse("proj/model@7")).isEqualTo(Ref.version(P, 7));
    assertThat(Ref.parse("proj/model@best")).isEqualTo(Ref.alias(P, AliasName.of("best")));
    assertThat(Ref.parse("proj/model@v1.2_rc-3").selector())
        .isEqualTo(new Ref.Alias(AliasName.of("v1.2_rc-3")));
  }

  @Test
  void parsesBestByMetric() {
    assertThat(Ref.parse("proj/model@min:val_loss")).isEqualTo(Ref.best(P, "val_loss", false));
    assertThat(Ref.parse("proj/model@max:acc@top1").selector())
        .isEqualTo(new Ref.Best("acc@top1", true));
    assertThatThrownBy(() -> Ref.parse("proj/model@min:"))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageContaining("PATH@min:METRIC");
    assertThatThrownBy(() -> Ref.parse("proj/model@max:" + "x".repeat(257)))
        .hasMessageContaining("at most 256");
    assertThatThrownBy(() -> Ref.parse("proj/model@min:a\nb")).hasMessageContaining("control");
    assertThatThrownBy(() -> Ref.parse("proj/model@mean:loss"))
        .hasMessageContaining("contains ':'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "proj/model@latest",
        "proj/model@7",
        "proj/model@best",
        "a@1000000",
        "a@min:val_loss",
        "a@max:acc"
      })
  void printsWhatItParses(String text) {
    assertThat(Ref.parse(text)).hasToString(text);
    assertThat(Ref.parse(Ref.parse(text).toString())).isEqualTo(Ref.parse(text));
  }

  @Test
  void plainPathPrintsAsLatest() {
    assertThat(Ref.parse("proj/model")).hasToString("proj/model@latest");
  }

  @Test
  void refusesBadSelectorsWithAReason() {
    assertThatThrownBy(() -> Ref.parse("a@"))
        .hasMessage(
            "Invalid ref 'a@': nothing after '@' (give a version number, 'latest' or an alias)");
    assertThatThrownBy(() -> Ref.parse("a@0")).hasMessageContaining("no version 0");
    assertThatThrownBy(() -> Ref.parse("a@007")).hasMessageContaining("leading zero");
    assertThatThrownBy(() -> Ref.parse("a@99999999999999999999")).hasMessageContaining("too large");
    assertThatThrownBy(() -> Ref.parse("a@LATEST")).hasMessageContaining("reserved");
    assertThatThrownBy(() -> Ref.parse("a@1x")).hasMessageContaining("must start with a letter");
    assertThatThrownBy(() -> Ref.parse("a@b@c")).hasMessageContaining("contains '@'");
    assertThatThrownBy(() -> Ref.parse("../a@1")).hasMessageStartingWith("Invalid model path");
    assertThatThrownBy(() -> Ref.parse("a@-1")).isInstanceOf(InvalidNameException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "latest", "Latest", "1", "123", "_x", "-x", ".x", "a b", "a/b"})
  void refusesInvalidAliasNames(String name) {
    assertThatThrownBy(() -> AliasName.of(name))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageStartingWith("Invalid alias name");
  }

  @Test
  void versionIdParsesAndPrints() {
    VersionId id = VersionId.parse("proj/model@3");
    assertThat(id).isEqualTo(new VersionId(P, 3)).hasToString("proj/model@3");
    assertThat(id.toRef()).isEqualTo(Ref.version(P, 3));
    assertThatThrownBy(() -> VersionId.parse("proj/model@best"))
        .hasMessageContaining("expected PATH@NUMBER");
    assertThatThrownBy(() -> new VersionId(P, 0)).isInstanceOf(InvalidNameException.class);
  }
}
