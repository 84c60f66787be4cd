package dev.shardline.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NearCacheTest {
  private final NearCache near = new NearCache(100, Duration.ofMinutes(1));
  private static final long FAR = Long.MAX_VALUE;

  @Test
  void get_afterPut_returnsValue() {
    near.put("k", 3, FAR, "v3");
    assertThat(near.get("k", 0)).isEqualTo("v3");
  }

  @Test
  void onMessage_newerVersion_evicts() {
    near.put("k", 3, FAR, "v3");
    near.onMessage("k|4");
    assertThat(near.get("k", 0)).isSameAs(NearCache.ABSENT);
  }

  @Test
  void put_olderThanInvalidationSeen_isRefused() {
    // The message overtook a slow read of the old value: that read must not land afterwards.
    near.onMessage("k|4");
    near.put("k", 3, FAR, "v3");
    assertThat(near.get("k", 0)).isSameAs(NearCache.ABSENT);
    near.put("k", 4, FAR, "v4");
    assertThat(near.get("k", 0)).isEqualTo("v4");
  }

  @Test
  void onMessage_olderVersion_keepsNewerEntry() {
    near.put("k", 5, FAR, "v5");
    near.onMessage("k|4");
    assertThat(near.get("k", 0)).isEqualTo("v5");
  }

  @Test
  void get_pastLogicalExpiry_isAbsent() {
    near.put("k", 1, 1000, "v");
    assertThat(near.get("k", 999)).isEqualTo("v");
    assertThat(near.get("k", 1000)).isSameAs(NearCache.ABSENT);
  }

  @Test
  void get_nullValue_isAHitNotAbsent() {
    near.put("k", 1, FAR, null);
    assertThat(near.get("k", 0)).isNull();
  }

  @Test
  void onMessage_keyWithBars_usesLastSeparator() {
    near.put("a|b", 1, FAR, "v");
    near.onMessage("a|b|2");
    assertThat(near.get("a|b", 0)).isSameAs(NearCache.ABSENT);
  }
}
