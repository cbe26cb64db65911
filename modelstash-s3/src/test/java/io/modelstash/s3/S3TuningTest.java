package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class S3TuningTest {

  @Test
  void defaultsSplitLargeObjectsIntoPartsS3Accepts() {
    S3Tuning t = S3Tuning.defaults();
    assertThat(t.multipartThreshold()).isEqualTo(16L << 20);
    assertThat(t.partSize()).isEqualTo(8 << 20).isGreaterThanOrEqualTo(S3Tuning.MIN_PART_SIZE);
    assertThat(t.maxAttempts()).isGreaterThan(1);
  }

  @Test
  void refusesSettingsTheSdkOrS3WouldRefuseLater() {
    S3Tuning t = S3Tuning.defaults();
    assertThatThrownBy(() -> t.withMultipart(1 << 20, 1 << 20))
        .hasMessageContaining("below the S3 minimum");
    assertThatThrownBy(() -> t.withRetries(0, Duration.ofMillis(1), Duration.ofMillis(1)))
        .hasMessageContaining("maxAttempts 0 < 1");
    assertThatThrownBy(() -> t.withRetries(3, Duration.ZERO, Duration.ofMillis(1)))
        .hasMessageContaining("0 < baseDelay <= maxDelay");
    assertThatThrownBy(() -> t.withRetries(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("0 < baseDelay <= maxDelay");
    assertThatThrownBy(() -> t.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("timeouts must be positive");
  }
}
