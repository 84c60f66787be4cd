package dev.shardline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardlineConfigTest {
    private static final String YAML = """
      defaults:
        username: app
        password: ${DB_PASS:-fallback}
        pool: { maxSize: 4, connectionTimeout: 500ms }
      shards:
        - name: shard-0
          primary: jdbc:postgresql://127.0.0.1:5432/a
          replicas: [jdbc:postgresql://127.0.0.1:5433/a]
        - name: shard-1
          primary: jdbc:postgresql://127.0.0.1:5434/a
          password: ${DB_PASS}
          pool: { maxSize: 8 }
      tables:
        sharded:
          orders: tenant_id
          Order_Items: org_id
        broadcast: [currencies]
      buckets:
        count: 16
        assign:
          shard-0: [0-7]
          shard-1: 8-15
      pins:
        acme: shard-0
      """;

    private static ShardlineConfig parse(String yaml, Map<String, String> env) {
        return ShardlineConfig.from(ShardlineYaml.parse(yaml, "t.yaml", env::get));
    }

    @Test
    void from_fullFile_bindsEverySection() {
        ShardlineConfig c = parse(YAML, Map.of("DB_PASS", "s3cret"));
        assertThat(c.shardNames()).containsExactly("shard-0", "shard-1");
        assertThat(c.shard("shard-0").replicas()).hasSize(1);
        assertThat(c.shard("shard-0").primary().password()).isEqualTo("s3cret");
        assertThat(c.shard("shard-0").pool().maxSize()).isEqualTo(4);
        assertThat(c.shard("shard-1").pool().maxSize()).isEqualTo(8);
        assertThat(c.shard("shard-1").pool().connectionTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.tables().tenantColumnOf("ORDER_ITEMS")).isEqualTo("org_id");
        assertThat(c.tables().isBroadcast("public.currencies")).isTrue();
        assertThat(c.buckets().bucketCount()).isEqualTo(16);
        assertThat(c.buckets().shardOf("acme")).isEqualTo("shard-0");
    }

    @Test
    void endpoint_toString_neverPrintsPassword() {
        ShardlineConfig c = parse(YAML, Map.of("DB_PASS", "s3cret"));
        assertThat(c.shard("shard-0").primary().toString())
                .doesNotContain("s3cret")
                .contains("shard-0/primary");
    }

    @Test
    void placeholder_withDefault_usesDefaultWhenUnset() {
        ShardlineConfig c = parse(YAML.replace("    password: ${DB_PASS}\n", ""), Map.of());
        assertThat(c.shard("shard-1").primary().password()).isEqualTo("fallback");
    }

    @Test
    void bucketMap_assignments_followRanges() {
        ShardlineConfig c = parse(YAML, Map.of("DB_PASS", "x"));
        for (int b = 0; b < 16; b++) {
            assertThat(c.buckets().shardIndexOfBucket(b)).isEqualTo(b < 8 ? 0 : 1);
        }
    }

    @Test
    void shard_unknownName_listsKnown() {
        ShardlineConfig c = parse(YAML, Map.of("DB_PASS", "x"));
        assertThatThrownBy(() -> c.shard("shard-9")).hasMessageContaining("known shards: [shard-0, shard-1]");
    }
}
