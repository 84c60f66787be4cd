package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineConfigException;
import dev.shardline.testkit.RedisCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarCacheIT {
    @Test
    void open_redisCluster_refusedAtStartWithFileLineAndFix(@TempDir Path dir) throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            Files.writeString(
                    dir.resolve("redisson-cluster.yaml"),
                    "clusterServersConfig:\n  retryAttempts: 0\n  nodeAddresses:\n"
                            + cluster.nodeAddresses().stream()
                                    .map(a -> "  - \"" + a + "\"\n")
                                    .collect(Collectors.joining()));
            Files.writeString(dir.resolve("shardline.yaml"), """
                shards:
                  - name: shard-0
                    primary: jdbc:postgresql://127.0.0.1:5432/a
                tables:
                  sharded: { orders: tenant_id }
                cdc:
                  tables: [orders]
                  sinks: { duckdb: { path: a.duckdb } }
                  invalidate:
                    orders: { namespace: order, tenant: tenant_id, id: id }
                cache:
                  redis: { config: redisson-cluster.yaml }
                """);
            ShardlineConfig cfg = ShardlineConfig.fromYaml(dir.resolve("shardline.yaml"));
            // Before: the sidecar started, then every batch's invalidation failed with CROSSSLOT and the shard stopped.
            assertThatThrownBy(() -> SidecarCache.open(cfg, CdcConfig.fromYaml(cfg), new SimpleMeterRegistry()))
                    .isInstanceOf(ShardlineConfigException.class)
                    .hasMessageContaining("shardline.yaml:12")
                    .hasMessageContaining("cache.redis - is a Redis Cluster")
                    .hasMessageContaining("single Redis server or a Sentinel group")
                    .hasMessageContaining("CROSSSLOT");
        }
    }
}
