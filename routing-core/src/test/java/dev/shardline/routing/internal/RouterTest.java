package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.BucketMap;
import dev.shardline.config.TableRules;
import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.ReadPolicy;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.TenantRequiredException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final TableRules rules = new TableRules(Map.of("orders", "tenant_id"), Set.of("currencies"));
  private final BucketMap buckets = BucketMap.builder(64, List.of("s0", "s1")).assignEvenly().pin("vip", "s1").pin("cheap", "s0").build();
  private final SqlAnalyzer analyzer = new SqlAnalyzer(rules, 100);
  private final Router router = new Router(buckets, rules, 0, ReadPolicy.REPLICA);

  private Route route(String sql, Object context, boolean tx, boolean scatter, Object... params) throws SQLException {
    Params p = new Params();
    for (int i = 0; i < params.length; i++) p.set(i + 1, (ps, idx, v, x) -> { }, params[i], null);
    return router.route(analyzer.analyze(sql), p, context, -1, tx, scatter);
  }

  @Test
  void keyedRead_outsideTransaction_replicaOfTenantShard() throws SQLException {
    Route r = route("SELECT * FROM orders WHERE tenant_id = ?", null, false, false, "vip");
    assertThat(r.shard()).isEqualTo(1);
    assertThat(r.replica()).isTrue();
    assertThat(r.tenantKey()).isEqualTo("vip");
  }

  @Test
  void keyedRead_inTransaction_primary() throws SQLException {
    assertThat(route("SELECT * FROM orders WHERE tenant_id = ?", null, true, false, "vip").replica()).isFalse();
  }

  @Test
  void inList_sameShard_routes_differentShards_rejectedUnlessScatter() throws SQLException {
    assertThat(route("SELECT * FROM orders WHERE tenant_id IN (?, ?)", null, false, false, "vip", "vip").shard()).isEqualTo(1);
    assertThatThrownBy(() -> route("SELECT * FROM orders WHERE tenant_id IN (?, ?)", null, false, false, "vip", "cheap"))
        .isInstanceOf(CrossShardException.class).hasMessageContaining("different shards");
    assertThat(route("SELECT * FROM orders WHERE tenant_id IN (?, ?)", null, false, true, "vip", "cheap").target())
        .isEqualTo(Route.Target.SCATTER);
    assertThatThrownBy(() -> route("DELETE FROM orders WHERE tenant_id IN (?, ?)", null, false, true, "vip", "cheap"))
        .isInstanceOf(CrossShardException.class).hasMessageContaining("a write must stay on one shard");
  }

  @Test
  void unkeyed_noContext_rejected_withContext_guarded() throws SQLException {
    assertThatThrownBy(() -> route("SELECT * FROM orders", null, false, false))
        .isInstanceOf(TenantRequiredException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.TENANT_REQUIRED));
    Route r = route("SELECT * FROM orders", "vip", false, false);
    assertThat(r.shard()).isEqualTo(1);
    assertThat(r.guardedSql()).isEqualTo("SELECT * FROM orders WHERE orders.tenant_id = 'vip'");
  }

  @Test
  void contextAndKey_disagree_rejected() {
    assertThatThrownBy(() -> route("SELECT * FROM orders WHERE tenant_id = ?", "cheap", false, false, "vip"))
        .isInstanceOf(CrossShardException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.TENANT_MISMATCH));
  }

  @Test
  void unboundKey_rejectedNamingParameter() {
    assertThatThrownBy(() -> route("SELECT * FROM orders WHERE tenant_id = ?", null, false, false))
        .hasMessageContaining("parameter 1 is not bound");
  }

  @Test
  void ddlAndBroadcastWrites_allPrimaries_readsOneShard() throws SQLException {
    assertThat(route("ALTER TABLE orders ADD COLUMN note text", null, false, false).target()).isEqualTo(Route.Target.ALL_PRIMARIES);
    assertThat(route("INSERT INTO currencies VALUES ('EUR', 'Euro')", null, false, false).target()).isEqualTo(Route.Target.ALL_PRIMARIES);
    Route read = route("SELECT * FROM currencies", "vip", false, false);
    assertThat(read.target()).isEqualTo(Route.Target.ONE);
    assertThat(read.shard()).isEqualTo(1);
  }

  @Test
  void unparsedStatement_routedByContextOnly() throws SQLException {
    String sql = "SELECT * FROM orders WHERE tenant_id = ? FOR UPDATE SKIP LOCKED";
    if (analyzer.analyze(sql).kind() == Analysis.Kind.UNPARSED) {
      assertThatThrownBy(() -> route(sql, null, true, false, "vip")).hasMessageContaining("cannot parse");
      assertThat(route(sql, "vip", true, false, "vip").shard()).isEqualTo(1);
    } else {
      assertThat(route(sql, null, true, false, "vip").shard()).isEqualTo(1);
    }
  }
}
