package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 4 (rules): an invalidation rule that cannot work fails at start, not at the first change of its table. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class InvalidationRuleIT {
    private static final CacheInvalidator NOOP = new CacheInvalidator() {
        @Override
        public void invalidate(CacheKey key) {}

        @Override
        public void invalidateAll(Collection<CacheKey> keys) {}
    };

    @Test
    void start_ruleWithMisspeltColumn_failsNamingRuleAndColumns(PgCluster cluster, @TempDir Path dir) {
        CdcFixture.resetSchema(cluster);
        assertStartFails(
                cluster,
                dir,
                "orders: { namespace: order, tenant: tenant, id: id }",
                "cdc shard-0 - cdc.invalidate.orders names column 'tenant' but table 'orders' has no such column",
                "fix the rule");
    }

    @Test
    void start_ruleColumnNotCarriedByDeletes_failsWithReplicaIdentityFix(PgCluster cluster, @TempDir Path dir) {
        CdcFixture.resetSchema(cluster);
        assertStartFails(
                cluster,
                dir,
                "orders: { namespace: order, tenant: tenant_id, id: note }",
                "cdc shard-0 - cdc.invalidate.orders uses column 'note', which is not in the primary key",
                "REPLICA IDENTITY FULL");
    }

    private static void assertStartFails(PgCluster cluster, Path dir, String rule, String start, String fix) {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "rules", "postgres", "  invalidate:\n    " + rule + "\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try {
            assertThatThrownBy(() -> {
                        try (CdcPipeline p =
                                CdcPipeline.builder(cfg, cdc).invalidator(NOOP).build()) {
                            p.start();
                        }
                    })
                    .isInstanceOf(ShardlineCdcException.class)
                    .hasMessageStartingWith(start)
                    .hasMessageContaining(fix);
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }
}
