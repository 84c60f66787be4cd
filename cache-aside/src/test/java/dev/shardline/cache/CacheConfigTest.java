package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfigException;
import dev.shardline.config.ShardlineYaml;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheConfigTest {
    private static CacheConfig parse(String yaml) {
        return CacheConfig.from(
                ShardlineYaml.parse(yaml, "shardline.yaml", s -> null).section("cache"));
    }

    @Test
    void from_fullSection_bindsEveryKey() {
        CacheConfig c = parse("""
        cache:
          prefix: app
          ttl: 2m
          negativeTtl: 5s
          lockWait: 1s
          lockLease: 4s
          maxValueBytes: 2048
          nearCache:
            maxEntries: 500
            ttl: 3s
        """);
        assertThat(c.prefix()).isEqualTo("app");
        assertThat(c.ttl()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.lockLease()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.maxValueBytes()).isEqualTo(2048);
        assertThat(c.nearMaxEntries()).isEqualTo(500);
        assertThat(c.nearTtl()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void from_unknownKey_namesFileAndLine() {
        assertThatThrownBy(() -> parse("cache:\n  ttl: 1m\n  tll: 2m\n"))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("shardline.yaml:")
                .hasMessageContaining("tll");
    }

    @Test
    void from_leaseBelowWait_statesRule() {
        assertThatThrownBy(() -> parse("cache:\n  lockWait: 5s\n  lockLease: 1s\n"))
                .hasMessageContaining("lockLease must be at least lockWait")
                .hasMessageContaining("shardline.yaml:");
    }

    @Test
    void builder_badValues_stateRuleAndValue() {
        assertThatThrownBy(() -> CacheConfig.builder().ttlJitter(1.5))
                .hasMessageContaining("ttlJitter must be within [0, 1), was 1.5");
        assertThatThrownBy(() -> CacheConfig.builder().prefix("a:b")).hasMessageContaining("was 'a:b'");
    }

    @Test
    void builder_loadBulkheadAndVersionTtl_stateRuleAndValue() {
        assertThatThrownBy(() -> CacheConfig.builder().maxConcurrentLoads(0))
                .hasMessageContaining("maxConcurrentLoads must be at least 1, was 0");
        assertThatThrownBy(() -> CacheConfig.builder().loadWait(Duration.ofMillis(-1)))
                .hasMessageContaining("loadWait must be 0");
        assertThatThrownBy(() -> CacheConfig.builder()
                        .ttl(Duration.ofMinutes(5))
                        .versionTtl(Duration.ofMinutes(1))
                        .build())
                .hasMessageContaining("versionTtl must be at least ttl + staleFor");
        CacheConfig c = parse("cache:\n  maxConcurrentLoads: 4\n  loadWait: 250ms\n  versionTtl: 2h\n");
        assertThat(c.maxConcurrentLoads()).isEqualTo(4);
        assertThat(c.loadWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.versionTtl()).isEqualTo(Duration.ofHours(2));
    }
}
