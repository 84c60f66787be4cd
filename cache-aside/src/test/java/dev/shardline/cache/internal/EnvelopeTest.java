package dev.shardline.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnvelopeTest {
  @Test
  void decode_encoded_roundTripsPayloadWithBars() {
    Envelope e = new Envelope(123, 7, 9, "{\"a\":\"x|y\"}");
    assertThat(Envelope.decode(e.encode())).isEqualTo(e);
  }

  @Test
  void decode_notAnEnvelope_isNull() {
    assertThat(Envelope.decode("plain")).isNull();
    assertThat(Envelope.decode("1|2|x|p")).isNull();
    assertThat(Envelope.decode(null)).isNull();
  }

  @Test
  void version_absentOrGarbage_isZero() {
    assertThat(Envelope.version(null)).isZero();
    assertThat(Envelope.version("")).isZero();
    assertThat(Envelope.version("12")).isEqualTo(12);
  }

  @Test
  void refreshEarly_farFromExpiry_rarely_nearExpiry_almostAlways() {
    Envelope e = new Envelope(10_000, 100, 0, "p");
    assertThat(e.refreshEarly(0, 1.0, 0.5)).isFalse();
    assertThat(e.refreshEarly(9_990, 1.0, 0.5)).isTrue();
    assertThat(e.refreshEarly(9_990, 0, 0.5)).isFalse();
  }
}
