package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.cache.internal.Envelope;
import dev.shardline.cache.internal.KeyFormat;
import dev.shardline.config.ShardlineConfigException;
import dev.shardline.config.ShardlineYaml;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheModelTest {
    @Test
    void keyFormat_tenantIsHashTag_oddPartsHashed() {
        KeyFormat f = new KeyFormat("sl");
        assertThat(f.value(CacheKey.of("order", "acme", 42))).isEqualTo("sl:order:{acme}:42");
        String odd = f.value(CacheKey.of("order", "a:b{c}", "x".repeat(300)));
        assertThat(odd).startsWith("sl:order:{h-").doesNotContain("a:b").hasSizeLessThan(120);
        assertThat(KeyFormat.version("k")).isEqualTo("k:v");
    }

    @Test
    void keyFormat_namespaceScan_patternAndValueKeys() {
        KeyFormat f = new KeyFormat("a*b");
        assertThat(f.namespacePattern("order")).isEqualTo("a\\*b:order:{*}:*");
        String v = f.value(CacheKey.of("order", "t", 5));
        assertThat(KeyFormat.valueKeyOf(v)).isEqualTo(v);
        assertThat(KeyFormat.valueKeyOf(KeyFormat.version(v))).isEqualTo(v);
        assertThat(KeyFormat.valueKeyOf(KeyFormat.lock(v))).isNull();
        assertThat(KeyFormat.valueKeyOf("a*b:floor:shard-0")).isNull();
    }

    @Test
    void keyFormat_tenantSpelledAsAnotherTenantsDigest_doesNotShareItsKeys() {
        KeyFormat f = new KeyFormat("sl");
        String odd = f.value(CacheKey.of("order", "acme corp", 42));
        String digest = odd.substring(odd.indexOf('{') + 1, odd.indexOf('}'));
        assertThat(digest).startsWith("h-");
        // A tenant whose id is that digest, verbatim, must get keys of its own.
        assertThat(f.value(CacheKey.of("order", digest, 42))).isNotEqualTo(odd);
        assertThat(f.value(CacheKey.of("order", "h-", 42))).doesNotContain("{h-}");
    }

    @Test
    void envelope_roundTrip_andGarbageIsAMiss() {
        byte[] payload = "{\"a\":\"x|y\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Envelope e = Envelope.decode(Envelope.encode(1000, 25, payload));
        assertThat(e.expiresAtMillis()).isEqualTo(1000);
        assertThat(e.loadMillis()).isEqualTo(25);
        assertThat(e.isNull()).isFalse();
        assertThat(java.util.Arrays.copyOfRange(e.bytes(), e.payloadOffset(), e.bytes().length))
                .isEqualTo(payload);
        assertThat(Envelope.decode(Envelope.encode(1000, 25, null)).isNull()).isTrue();
        assertThat(Envelope.decode("1000|25|{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .as("the old text form is a miss")
                .isNull();
        assertThat(Envelope.decode(new byte[] {'V', 1})).isNull();
        assertThat(Envelope.decode(null)).isNull();
        assertThat(e.fresh(999)).isTrue();
        assertThat(e.fresh(1000)).isFalse();
    }

    @Test
    void envelope_xfetch_earlierWithSlowerLoadsAndLargerBeta() {
        Envelope e = Envelope.decode(Envelope.encode(10_000, 100, new byte[] {'x'}));
        double r = Math.exp(-1);
        assertThat(e.refreshEarly(9_850, 1.0, r)).isFalse();
        assertThat(e.refreshEarly(9_950, 1.0, r)).isTrue();
        assertThat(e.refreshEarly(9_850, 2.0, r)).isTrue();
        assertThat(e.refreshEarly(9_999, 0.0, r)).isFalse();
    }

    @Test
    void config_fromYaml_bindsAndRejectsWithLocation() {
        var yaml = ShardlineYaml.parse(
                "shards: []\ncache:\n  ttl: 2m\n  lockWait: 1s\n  lockLease: 5s\n  prefix: app\n", "t.yaml", k -> null);
        CacheConfig c = CacheConfig.from(yaml.section("cache"));
        assertThat(c.ttl()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.prefix()).isEqualTo("app");
        var bad = ShardlineYaml.parse("cache:\n  lockWait: 10s\n  lockLease: 1s\n", "t.yaml", k -> null);
        assertThatThrownBy(() -> CacheConfig.from(bad.section("cache")))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("t.yaml:2:3 cache - lockLease must be at least lockWait");
        var noRedis = ShardlineYaml.parse("cache:\n  redis: { address: http://x }\n", "t.yaml", k -> null);
        assertThatThrownBy(() ->
                        RedisConnections.fromConfig(noRedis.section("cache").get("redis"), Path.of(".")))
                .hasMessageContaining("cache.redis.address - must start with redis:// or rediss://, was 'http://x'");
    }
}
