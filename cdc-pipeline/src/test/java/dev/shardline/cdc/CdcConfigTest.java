package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineConfigException;
import dev.shardline.config.ShardlineYaml;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CdcConfigTest {
    private static final String BASE = """
      shards:
        - name: shard-0
          primary: jdbc:postgresql://127.0.0.1:5432/a
        - name: shard-1
          primary: jdbc:postgresql://127.0.0.1:5433/a
      tables:
        sharded: { orders: tenant_id }
        broadcast: [countries]
      """;

    private static CdcConfig bind(String cdc) {
        return CdcConfig.fromYaml(ShardlineConfig.from(ShardlineYaml.parse(BASE + cdc, "shardline.yaml", k -> null)));
    }

    @Test
    void fromYaml_fullSection_bindsEverySetting() {
        CdcConfig c = bind("""
        cdc:
          name: demo
          tables: [orders, countries]
          snapshot: never
          pollInterval: 5ms
          heartbeat: 2s
          http: { port: 0 }
          sinks:
            duckdb: { path: /tmp/a.duckdb }
            postgres: { url: "jdbc:postgresql://127.0.0.1:5432/analytics", username: app }
          invalidate:
            orders: { namespace: order, tenant: tenant_id, id: id }
        """);
        assertThat(c.tables()).containsExactly("orders", "countries");
        assertThat(c.snapshot()).isEqualTo(CdcConfig.SnapshotMode.NEVER);
        assertThat(c.pollInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.httpPort()).contains(0);
        assertThat(c.duckdbPath()).contains(Path.of("/tmp/a.duckdb"));
        assertThat(c.postgres())
                .get()
                .extracting(CdcConfig.PostgresSink::username)
                .isEqualTo("app");
        assertThat(c.invalidations()).containsExactly(new InvalidationRule("orders", "order", "tenant_id", "id"));
        assertThat(c.slotName("shard-1")).isEqualTo("demo_shard_1");
        assertThat(c.publicationName()).isEqualTo("demo_cdc");
    }

    @Test
    void fromYaml_defaults_tunedForLatency() {
        CdcConfig c = bind("cdc:\n  tables: [orders]\n  sinks: { duckdb: { path: a.duckdb } }\n");
        assertThat(c.pollInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(c.heartbeat()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.snapshot()).isEqualTo(CdcConfig.SnapshotMode.INITIAL);
        assertThat(c.slotName("shard-0")).isEqualTo("shardline_shard_0");
        assertThat(c.duckdbThreads()).isEqualTo(1);
    }

    @Test
    void fromYaml_duckdbThreads_boundAndRangeChecked() {
        assertThat(bind("cdc:\n  tables: [orders]\n  sinks: { duckdb: { path: a.duckdb, threads: 4 } }\n")
                        .duckdbThreads())
                .isEqualTo(4);
        assertThatThrownBy(
                        () -> bind("cdc:\n  tables: [orders]\n  sinks: { duckdb: { path: a.duckdb, threads: 0 } }\n"))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("cdc.sinks.duckdb.threads");
    }

    @Test
    void fromYaml_unknownTable_namesLineAndFix() {
        assertThatThrownBy(() -> bind("cdc:\n  tables: [orders, invoices]\n  sinks: { duckdb: { path: a.duckdb } }\n"))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageStartingWith("shardline.yaml:10:20 ")
                .hasMessageContaining("cdc.tables[1] - unknown table 'invoices'")
                .hasMessageContaining("add it there or remove it from cdc.tables");
    }

    @Test
    void fromYaml_noSinkAndNoOffsets_explainsWhereOffsetsGo() {
        assertThatThrownBy(() -> bind("cdc:\n  tables: [orders]\n"))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("cdc - no place for offsets");
    }

    @Test
    void fromYaml_ruleForUncapturedTable_isRejected() {
        assertThatThrownBy(() -> bind("""
        cdc:
          tables: [orders]
          sinks: { duckdb: { path: a.duckdb } }
          invalidate:
            countries: { namespace: c, tenant: code, id: code }
        """))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("cdc.invalidate.countries - table 'countries' is not captured");
    }

    @Test
    void fromYaml_unknownKey_listsAllowed() {
        assertThatThrownBy(() -> bind("cdc:\n  tables: [orders]\n  pollIntervall: 5ms\n"))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("unknown key 'pollIntervall'");
    }

    @Test
    void fromYaml_missingSection_saysWhatToAdd() {
        assertThatThrownBy(() -> bind(""))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("add a cdc: section");
    }
}
