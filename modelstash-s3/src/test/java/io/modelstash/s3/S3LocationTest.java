package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3LocationTest {

  @ParameterizedTest
  @CsvSource({
    "s3://models, models, ''",
    "s3://models/, models, ''",
    "s3://my.team-models/a, my.team-models, a",
    "s3://models/team/alpha/, models, team/alpha",
  })
  void parsesBucketAndPrefix(String url, String bucket, String prefix) {
    S3Location location = S3Location.parse(url);
    assertThat(location.bucket()).isEqualTo(bucket);
    assertThat(location.prefix()).isEqualTo(prefix);
    assertThat(location.toString()).isEqualTo(url.replaceAll("/$", ""));
    assertThat(location.key("chunks/ab/x"))
        .isEqualTo(prefix.isEmpty() ? "chunks/ab/x" : prefix + "/chunks/ab/x");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "models/team | it must start with s3://",
        "http://models/team | it must start with s3://",
        "s3:// | the bucket name is missing",
        "s3:///team | the bucket name is missing",
        "s3://My_Bucket/team | bucket name 'My_Bucket' is not valid",
        "s3://ab | bucket name 'ab' is not valid",
        "s3://-models | bucket name '-models' is not valid",
        "s3://models//team | empty, '.' or '..' segment",
        "s3://models/team/../x | empty, '.' or '..' segment",
      })
  void refusesMalformedUrlsInOneLine(String url, String why) {
    assertThatThrownBy(() -> S3Location.parse(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid S3 location '" + url + "': ")
        .hasMessageContaining(why);
  }

  @Test
  void escapesControlCharactersInMessages() {
    assertThatThrownBy(() -> S3Location.parse("s3://models/a\nb"))
        .hasMessageContaining("a\\u000ab")
        .hasMessageNotContaining("\n");
  }

  @Test
  void anEndpointTurnsOnPathStyleUnlessToldOtherwise() {
    S3Location plain = S3Location.parse("s3://models");
    assertThat(plain.endpoint()).isEmpty();
    assertThat(plain.pathStyle(false)).isFalse();
    S3Location minio = plain.withEndpoint("http://minio:9000");
    assertThat(minio.endpoint()).contains(URI.create("http://minio:9000"));
    assertThat(minio.pathStyle(true)).isTrue();
    assertThat(minio.withPathStyle(false).pathStyle(true)).isFalse();
    assertThat(plain.withPathStyle(true).pathStyle(false)).isTrue();
  }

  @ParameterizedTest
  @CsvSource({"localhost:9000", "minio", "ftp://minio", "http://", "http://minio:9000?x=1"})
  void refusesEndpointsThatAreNotHttpUrls(String endpoint) {
    assertThatThrownBy(() -> S3Location.parse("s3://models").withEndpoint(endpoint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid S3 endpoint '" + endpoint + "': ")
        .hasMessageContaining("check --s3-endpoint");
  }

  @Test
  void takesTheEndpointFromTheEnvironmentWhenNoneIsGiven() {
    S3Location plain = S3Location.parse("s3://models");
    Map<String, String> both =
        Map.of("AWS_ENDPOINT_URL_S3", "http://s3only:1", "AWS_ENDPOINT_URL", "http://all:2");
    assertThat(plain.resolveEndpoint(Map.of())).isEmpty();
    assertThat(plain.resolveEndpoint(both)).contains(URI.create("http://s3only:1"));
    assertThat(plain.resolveEndpoint(Map.of("AWS_ENDPOINT_URL", "http://all:2")))
        .contains(URI.create("http://all:2"));
    assertThat(plain.withEndpoint("http://given:3").resolveEndpoint(both))
        .contains(URI.create("http://given:3"));
    assertThat(
            plain.resolveEndpoint(
                Map.of(
                    "AWS_ENDPOINT_URL_S3", "http://s3only:1",
                    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")))
        .isEmpty();
    assertThatThrownBy(() -> plain.resolveEndpoint(Map.of("AWS_ENDPOINT_URL_S3", "minio:9000")))
        .hasMessage(
            "Invalid AWS_ENDPOINT_URL_S3 'minio:9000': expected http://host:port or https://host");
  }

  @Test
  void checksRegionsAndCredentials() {
    S3Location plain = S3Location.parse("s3://models");
    assertThat(plain.withRegion("eu-west-1").region()).contains("eu-west-1");
    assertThatThrownBy(() -> plain.withRegion("EU West"))
        .hasMessage("Invalid S3 region 'EU West': expected a name such as us-east-1");
    assertThatThrownBy(() -> plain.withCredentials("", "secret"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void neverShowsTheSecret() {
    S3Location location =
        S3Location.parse("s3://models/team").withCredentials("AKIAEXAMPLE", "very-secret");
    assertThat(location.toString()).isEqualTo("s3://models/team").doesNotContain("very-secret");
  }
}
