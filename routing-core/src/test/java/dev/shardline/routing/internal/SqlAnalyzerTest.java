package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.Analysis.Kind;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SqlAnalyzerTest {
  private final SqlAnalyzer analyzer = new SqlAnalyzer(
      new TableRules(Map.of("orders", "tenant_id", "order_items", "tenant_id"), Set.of("currencies")), 100);

  private List<KeyRef> keys(String sql) {
    return analyzer.analyze(sql).keys();
  }

  @Test
  void select_paramKey_foundWithIndex() {
    Analysis a = analyzer.analyze("SELECT * FROM orders WHERE id = ? AND tenant_id = ?");
    assertThat(a.kind()).isEqualTo(Kind.READ);
    assertThat(a.shardedTables()).containsExactly("orders");
    assertThat(a.keys()).containsExactly(KeyRef.param(1));
    assertThat(a.fullyKeyed()).isTrue();
  }

  @Test
  void select_literalAndCast_found() {
    assertThat(keys("select * from orders o where o.tenant_id = 42")).containsExactly(KeyRef.literal(42));
    assertThat(keys("SELECT * FROM orders WHERE tenant_id = ?::bigint AND id = 1")).containsExactly(KeyRef.param(0));
    assertThat(keys("SELECT * FROM orders WHERE 'acme' = tenant_id")).hasSize(1);
  }

  @Test
  void select_keyUnderOr_notAKey() {
    Analysis a = analyzer.analyze("SELECT * FROM orders WHERE tenant_id = ? OR id = ?");
    assertThat(a.keys()).isEmpty();
    assertThat(a.unkeyedTables()).containsExactly("orders");
  }

  @Test
  void select_andWithNestedOr_keyFound() {
    assertThat(keys("SELECT * FROM orders WHERE (tenant_id = ?) AND (id = ? OR id = ?)")).containsExactly(KeyRef.param(0));
  }

  @Test
  void select_inList_allValues() {
    assertThat(keys("SELECT * FROM orders WHERE tenant_id IN (?, ?, 7)"))
        .containsExactly(KeyRef.param(0), KeyRef.param(1), KeyRef.literal(7));
    assertThat(keys("SELECT * FROM orders WHERE tenant_id NOT IN (?, ?)")).isEmpty();
  }

  @Test
  void select_joinSubqueryAndCte_keysFromEveryScope() {
    assertThat(keys("SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id AND i.tenant_id = ? WHERE o.status = 'x'"))
        .containsExactly(KeyRef.param(0));
    assertThat(keys("SELECT * FROM orders WHERE id = (SELECT max(id) FROM orders WHERE tenant_id = ?)")).hasSize(1);
    assertThat(keys("WITH x AS (SELECT * FROM orders WHERE tenant_id = ?) SELECT count(*) FROM x")).hasSize(1);
    Analysis cte = analyzer.analyze("WITH x AS (SELECT * FROM orders WHERE tenant_id = ?) SELECT count(*) FROM x");
    assertThat(cte.otherTables()).isEmpty();
  }

  @Test
  void select_forUpdate_isWrite() {
    assertThat(analyzer.analyze("SELECT * FROM orders WHERE tenant_id = ? FOR UPDATE").kind()).isEqualTo(Kind.WRITE);
  }

  @Test
  void insert_multiRow_oneKeyPerRow() {
    Analysis a = analyzer.analyze(
        "INSERT INTO orders (id, tenant_id, amount) VALUES (?, ?, ?), (?, 5, ?) ON CONFLICT (tenant_id, id) DO UPDATE SET amount = excluded.amount RETURNING id");
    assertThat(a.kind()).isEqualTo(Kind.WRITE);
    assertThat(a.keys()).containsExactly(KeyRef.param(1), KeyRef.literal(5));
  }

  @Test
  void insert_withoutColumnList_explainsFix() {
    Analysis a = analyzer.analyze("INSERT INTO orders VALUES (1, 2, 3)");
    assertThat(a.keys()).isEmpty();
    assertThat(a.problem()).contains("name the columns");
  }

  @Test
  void update_tenantColumn_isAProblem() {
    assertThat(analyzer.analyze("UPDATE orders SET tenant_id = ? WHERE tenant_id = ? AND id = ?").problem())
        .contains("move the row to another shard");
    Analysis ok = analyzer.analyze("UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = ?");
    assertThat(ok.problem()).isNull();
    assertThat(ok.keys()).containsExactly(KeyRef.param(0));
  }

  @Test
  void delete_withoutKey_unkeyed() {
    assertThat(analyzer.analyze("DELETE FROM orders WHERE id = ?").unkeyedTables()).containsExactly("orders");
  }

  @Test
  void ddl_declaredOrTableless_allShards() {
    assertThat(analyzer.analyze("CREATE TABLE orders (tenant_id bigint, id bigint)").allShards()).isTrue();
    assertThat(analyzer.analyze("CREATE TABLE audit_log (id bigint)").allShards()).isFalse();
    assertThat(analyzer.analyze("CREATE INDEX ix ON currencies (code)").allShards()).isTrue();
    assertThat(analyzer.analyze("DROP TABLE IF EXISTS orders").kind()).isEqualTo(Kind.DDL);
  }

  @Test
  void systemAndBroadcast_classified() {
    Analysis a = analyzer.analyze("SELECT c.code FROM currencies c, pg_catalog.pg_tables t WHERE c.code = t.tablename");
    assertThat(a.broadcastTables()).containsExactly("currencies");
    assertThat(a.otherTables()).isEmpty();
    assertThat(a.touchesSharded()).isFalse();
  }

  @Test
  void sessionTclAndUnparsed_classified() {
    assertThat(analyzer.analyze("SET search_path TO public").kind()).isEqualTo(Kind.SESSION);
    assertThat(analyzer.analyze("COMMIT").kind()).isEqualTo(Kind.TCL);
    assertThat(analyzer.analyze("SELECT * FROM orders WHERE tenant_id = ? FOR UPDATE SKIP LOCKED").kind())
        .isIn(Kind.UNPARSED, Kind.WRITE);
  }

  @Test
  void analyze_sameText_parsedOnce() {
    analyzer.analyze("SELECT 1 FROM orders WHERE tenant_id = ?");
    long n = analyzer.cachedCount();
    analyzer.analyze("SELECT 1 FROM orders WHERE tenant_id = ?");
    assertThat(analyzer.cachedCount()).isEqualTo(n);
  }

  private String guarded(String sql) {
    Guard g = analyzer.analyze(sql).guard();
    return g == null ? null : g.apply(sql, "o'k");
  }

  @Test
  void guard_singleTable_addsTenantCondition() {
    assertThat(guarded("UPDATE orders SET amount = amount + 1 WHERE id = ? RETURNING amount"))
        .isEqualTo("UPDATE orders SET amount = amount + 1 WHERE (id = ?) AND orders.tenant_id = 'o''k' RETURNING amount");
    assertThat(guarded("SELECT * FROM orders o ORDER BY id LIMIT 5"))
        .isEqualTo("SELECT * FROM orders o WHERE o.tenant_id = 'o''k' ORDER BY id LIMIT 5");
    assertThat(guarded("DELETE FROM orders WHERE id = 1 OR id = 2"))
        .isEqualTo("DELETE FROM orders WHERE (id = 1 OR id = 2) AND orders.tenant_id = 'o''k'");
    assertThat(guarded("UPDATE orders SET status = 'x'")).isEqualTo("UPDATE orders SET status = 'x' WHERE orders.tenant_id = 'o''k'");
    assertThat(guarded("SELECT count(*) FROM orders o JOIN currencies c ON c.code = o.status GROUP BY c.code"))
        .isEqualTo("SELECT count(*) FROM orders o JOIN currencies c ON c.code = o.status WHERE o.tenant_id = 'o''k' GROUP BY c.code");
  }

  @Test
  void guard_severalShardedTablesOrSubquery_none() {
    assertThat(guarded("SELECT * FROM orders o JOIN order_items i ON i.order_id = o.id")).isNull();
    assertThat(guarded("SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_items)")).isNull();
  }
}
