package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The JDBC surface of a Shardline connection compared with a direct pgJDBC connection to a shard:
 * metadata, generated keys, timeouts and cancel, server cursors, savepoints, isolation and
 * read-only, validity, warnings, client info, schema, escapes, abort, network timeout and the
 * multiple-results protocol — on two real shards.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSurfaceIT {
  static final String TABLES = """
      tables:
        sharded:
          jdbc_orders: tenant_id
          jdbc_items: tenant_id
          jdbc_serial: tenant_id
          jdbc_big: tenant_id
      buckets:
        count: 64
      routing:
        trustedFunctions: [jdbc_notice]
      """;

  private final PgCluster cluster;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private ShardlineDataSource ds;
  /** One physical connection per endpoint and a password in the URLs: reuse and redaction become visible. */
  private ShardlineDataSource single;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  JdbcSurfaceIT(PgCluster cluster) {
    this.cluster = cluster;
  }

  @BeforeAll
  void setUp() throws Exception {
    ds = dataSource(false);
    single = dataSource(true);
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS jdbc_orders (tenant_id text NOT NULL, id bigint NOT NULL, amount int NOT NULL, "
          + "note text, PRIMARY KEY (tenant_id, id))");
      s.execute("CREATE TABLE IF NOT EXISTS jdbc_items (tenant_id text NOT NULL, order_id bigint NOT NULL, sku text NOT NULL, "
          + "PRIMARY KEY (tenant_id, order_id, sku), FOREIGN KEY (tenant_id, order_id) REFERENCES jdbc_orders (tenant_id, id))");
      s.execute("CREATE TABLE IF NOT EXISTS jdbc_serial (tenant_id text NOT NULL, id bigserial, name text NOT NULL, "
          + "PRIMARY KEY (tenant_id, id))");
      s.execute("CREATE TABLE IF NOT EXISTS jdbc_big (tenant_id text NOT NULL, n int NOT NULL, pad text NOT NULL)");
      s.execute("CREATE OR REPLACE FUNCTION jdbc_notice(msg text) RETURNS int LANGUAGE plpgsql AS "
          + "$$ BEGIN RAISE NOTICE 'jdbc-notice %', msg; RETURN 1; END $$");
    }
  }

  @AfterAll
  void tearDown() {
    pool.shutdownNow();
    ds.close();
    single.close();
  }

  private ShardlineDataSource dataSource(boolean singleConnection) throws IOException {
    Path dir = Files.createTempDirectory("shardline-jdbc-");
    Path yaml = cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), TABLES);
    if (singleConnection) {
      String text = Files.readString(yaml).replace("maxSize: 8", "maxSize: 1")
          .replaceAll("(primary: jdbc:postgresql://\\S+)", "$1?password=s3cret-jdbc");
      Files.writeString(yaml, text);
    }
    ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
    return ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
  }

  private String tenantOn(int shard, String prefix) {
    for (int i = 0; ; i++) {
      String t = run + "-" + prefix + i;
      if (ds.config().buckets().shardIndexOf(t) == shard) return t;
    }
  }

  private Connection direct() throws SQLException {
    return cluster.primary(0).connect();
  }

  private static List<List<String>> rows(ResultSet rs, String... columns) throws SQLException {
    List<List<String>> out = new ArrayList<>();
    try (rs) {
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (String c : columns) row.add(rs.getString(c));
        out.add(row);
      }
    }
    return out;
  }

  private static List<String> labels(ResultSetMetaData md) throws SQLException {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnLabel(i));
    return out;
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  // ---- DatabaseMetaData ----

  @Test
  void getMetaData_tablesColumnsKeysTypes_sameAsPgJdbc() throws SQLException {
    try (Connection c = ds.getConnection(); Connection d = direct()) {
      DatabaseMetaData m = c.getMetaData();
      DatabaseMetaData p = d.getMetaData();
      List<List<String>> tables = rows(m.getTables(null, "public", "jdbc_%", new String[] {"TABLE"}), "TABLE_NAME", "TABLE_TYPE");
      assertThat(tables).hasSize(4).isEqualTo(rows(p.getTables(null, "public", "jdbc_%", new String[] {"TABLE"}), "TABLE_NAME", "TABLE_TYPE"));
      String[] colCols = {"COLUMN_NAME", "TYPE_NAME", "ORDINAL_POSITION", "NULLABLE", "COLUMN_DEF"};
      assertThat(rows(m.getColumns(null, "public", "jdbc_serial", null), colCols))
          .hasSize(3).isEqualTo(rows(p.getColumns(null, "public", "jdbc_serial", null), colCols));
      assertThat(rows(m.getPrimaryKeys(null, "public", "jdbc_orders"), "COLUMN_NAME", "KEY_SEQ"))
          .containsExactly(List.of("tenant_id", "1"), List.of("id", "2"));
      String[] fk = {"PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ"};
      assertThat(rows(m.getImportedKeys(null, "public", "jdbc_items"), fk))
          .hasSize(2).isEqualTo(rows(p.getImportedKeys(null, "public", "jdbc_items"), fk));
      assertThat(rows(m.getTypeInfo(), "TYPE_NAME", "DATA_TYPE")).isNotEmpty().isEqualTo(rows(p.getTypeInfo(), "TYPE_NAME", "DATA_TYPE"));
      assertThat(m.getDatabaseProductName()).isEqualTo(p.getDatabaseProductName());
      assertThat(m.getUserName()).isEqualTo(p.getUserName());
      assertThat(m.getURL()).isEqualTo(cluster.primary(0).jdbcUrl());
    }
  }

  @Test
  void getMetaData_connectionAndResultSets_leadBackToTheLogicalConnection() throws SQLException {
    try (Connection c = ds.getConnection()) {
      DatabaseMetaData m = c.getMetaData();
      assertThat(m.getConnection()).isSameAs(c);
      try (ResultSet rs = m.getTables(null, "public", "jdbc_orders", null)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getStatement() == null || rs.getStatement().getConnection() == c).isTrue();
      }
      assertThat(m.isWrapperFor(org.postgresql.PGConnection.class)).isFalse();
    }
  }

  @Test
  void getMetaData_urlWithPassword_redacted() throws SQLException {
    try (Connection c = single.getConnection()) {
      String url = c.getMetaData().getURL();
      assertThat(url).startsWith("jdbc:postgresql://").doesNotContain("s3cret-jdbc");
    }
  }

  @Test
  void getMetaData_insideTransactionOnAnotherShard_answeredByDefaultShardAndLeavesNoOpenTransaction() throws Exception {
    String t1 = tenantOn(1, "md");
    String app = "jdbc-md-" + run;
    try (Connection c = ds.getConnection()) {
      c.setClientInfo("ApplicationName", app);
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES (?, 1, 1)")) {
        ps.setString(1, t1);
        ps.executeUpdate();
      }
      assertThat(c.getMetaData().getURL()).isEqualTo(cluster.primary(0).jdbcUrl());
      assertThat(rows(c.getMetaData().getPrimaryKeys(null, "public", "jdbc_items"), "COLUMN_NAME")).hasSize(3);
      c.commit();
      for (int shard = 0; shard < 2; shard++) {
        assertThat(RoutingFixture.direct(cluster.primary(shard), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app
            + "' AND state LIKE 'idle in transaction%'")).as("shard-%d", shard).containsExactly("0");
      }
    }
    assertThat(RoutingFixture.direct(cluster.primary(1), "SELECT count(*) FROM jdbc_orders WHERE tenant_id = '" + t1 + "'"))
        .containsExactly("1");
  }

  // ---- generated keys and RETURNING ----

  @Test
  void getGeneratedKeys_returnGeneratedKeys_sameColumnsAsPgJdbc() throws SQLException {
    String t = tenantOn(1, "gk");
    List<String> expected;
    try (Connection d = direct(); PreparedStatement ps = d.prepareStatement("SELECT * FROM jdbc_serial LIMIT 0")) {
      expected = labels(ps.getMetaData());
    }
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_serial (tenant_id, name) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, t);
      ps.setString(2, "a");
      assertThat(ps.executeUpdate()).isEqualTo(1);
      try (ResultSet keys = ps.getGeneratedKeys()) {
        assertThat(labels(keys.getMetaData())).isEqualTo(expected);
        assertThat(keys.next()).isTrue();
        assertThat(keys.getString("tenant_id")).isEqualTo(t);
        assertThat(keys.getLong("id")).isPositive();
        assertThat(keys.getStatement()).isSameAs(ps);
        assertThat(keys.getStatement().getConnection()).isSameAs(c);
      }
    }
  }

  @Test
  void getGeneratedKeys_afterBatch_oneShardAllKeys_severalShardsRefusedNotPartial() throws SQLException {
    String a = tenantOn(0, "gkb");
    String b = tenantOn(1, "gkb");
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_serial (tenant_id, name) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
      for (int i = 0; i < 5; i++) {
        ps.setString(1, a);
        ps.setString(2, "k" + i);
        ps.addBatch();
      }
      assertThat(ps.executeBatch()).hasSize(5);
      assertThat(rows(ps.getGeneratedKeys(), "name")).hasSize(5);
      for (int i = 0; i < 6; i++) {
        ps.setString(1, i % 2 == 0 ? a : b);
        ps.setString(2, "m" + i);
        ps.addBatch();
      }
      assertThat(ps.executeBatch()).hasSize(6);
      assertThatThrownBy(ps::getGeneratedKeys)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("several shards")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
      ps.setString(1, b);
      ps.setString(2, "single");
      ps.executeUpdate();
      assertThat(rows(ps.getGeneratedKeys(), "name")).containsExactly(List.of("single"));
    }
  }

  @Test
  void getGeneratedKeys_columnNamesInsideTenantContext_onlyThoseColumns() throws Exception {
    String t = tenantOn(0, "gkn");
    long id = Tenants.call(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("INSERT INTO jdbc_serial (tenant_id, name) VALUES ('" + t + "', 'b')", new String[] {"id"})).isEqualTo(1);
        try (ResultSet keys = s.getGeneratedKeys()) {
          assertThat(labels(keys.getMetaData())).containsExactly("id");
          assertThat(keys.next()).isTrue();
          return keys.getLong(1);
        }
      }
    });
    assertThat(RoutingFixture.direct(cluster.primary(0), "SELECT name FROM jdbc_serial WHERE tenant_id = '" + t + "' AND id = " + id))
        .containsExactly("b");
  }

  @Test
  void getGeneratedKeys_byColumnIndex_refusedAsPgJdbc() throws SQLException {
    String sql = "INSERT INTO jdbc_serial (tenant_id, name) VALUES ('x', 'c')";
    String directState;
    try (Connection d = direct()) {
      SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> d.prepareStatement(sql, new int[] {2}));
      directState = e.getSQLState();
    }
    try (Connection c = ds.getConnection()) {
      assertThatThrownBy(() -> c.prepareStatement(sql, new int[] {2}).executeUpdate())
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(directState));
    }
  }

  @Test
  void returning_insertAndUpdateReturning_rowsAsPgJdbc() throws SQLException {
    String t = tenantOn(1, "ret");
    try (Connection c = ds.getConnection();
        PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES (?, 7, 70) RETURNING id, amount");
        PreparedStatement upd = c.prepareStatement("UPDATE jdbc_orders SET amount = amount + 1 WHERE tenant_id = ? RETURNING amount")) {
      ins.setString(1, t);
      assertThat(rows(ins.executeQuery(), "id", "amount")).containsExactly(List.of("7", "70"));
      upd.setString(1, t);
      assertThat(upd.execute()).isTrue();
      assertThat(rows(upd.getResultSet(), "amount")).containsExactly(List.of("71"));
    }
  }

  // ---- timeouts and cancel ----

  @Test
  void setQueryTimeout_pgSleep_failsWith57014AndConnectionStaysUsable() throws Exception {
    String t = tenantOn(1, "qt");
    Tenants.run(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.setQueryTimeout(1);
        assertThat(s.getQueryTimeout()).isEqualTo(1);
        assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
        assertThat(one(c, "SELECT count(*) FROM jdbc_orders")).isNotNull();
      }
    });
  }

  @Test
  void cancel_fromAnotherThread_failsStatementWith57014AndConnectionStaysUsable() throws Exception {
    String t = tenantOn(0, "cx");
    String marker = "jdbc-cancel-" + run;
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      Future<?> running = pool.submit(() -> {
        Tenants.run(t, () -> s.execute("SELECT pg_sleep(60), '" + marker + "'"));
        return null;
      });
      awaitActive(0, marker);
      s.cancel();
      assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("57014"));
      assertThat(Tenants.call(t, () -> one(c, "SELECT 1"))).isEqualTo("1");
    }
  }

  private void awaitActive(int shard, String marker) throws Exception {
    for (int i = 0; i < 300; i++) {
      List<String> n = RoutingFixture.direct(cluster.primary(shard), "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
          + "AND query LIKE '%" + marker + "%' AND query NOT LIKE '%pg_stat_activity%'");
      if (!n.get(0).equals("0")) return;
      Thread.sleep(20);
    }
    throw new AssertionError("the statement marked " + marker + " never became active on shard-" + shard);
  }

  // ---- server cursors ----

  @Test
  void setFetchSize_autoCommitOff_streamsThroughAPortal() throws Exception {
    String t = tenantOn(1, "big");
    cluster.primary(1).execute("INSERT INTO jdbc_big SELECT '" + t + "', g, repeat('x', 100) FROM generate_series(1, 100000) g");
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("SELECT n, pad FROM jdbc_big WHERE tenant_id = ? ORDER BY n")) {
        ps.setFetchSize(500);
        ps.setString(1, t);
        long seen = 0;
        long sum = 0;
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          seen++;
          sum += rs.getInt(1);
          // pgJDBC keeps a portal open (visible in pg_cursors) only when it fetches in chunks.
          assertThat(one(c, "SELECT count(*) FROM pg_cursors WHERE statement LIKE '%' || 'jdbc' || '_big%'")).isEqualTo("1");
          while (rs.next()) {
            seen++;
            sum += rs.getInt(1);
          }
        }
        assertThat(seen).isEqualTo(100_000);
        assertThat(sum).isEqualTo(100_000L * 100_001 / 2);
      }
      c.commit();
    }
    // The tenant-restricted statement text Shardline runs inside a tenant context keeps the fetch size too.
    Tenants.run(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.setFetchSize(500);
        try (ResultSet rs = s.executeQuery("SELECT n FROM jdbc_big")) {
          assertThat(rs.next()).isTrue();
          assertThat(one(c, "SELECT count(*) FROM pg_cursors WHERE statement LIKE '%' || 'jdbc' || '_big%'")).isEqualTo("1");
          long seen = 1;
          while (rs.next()) seen++;
          assertThat(seen).isEqualTo(100_000);
        }
        c.commit();
      }
    });
  }

  // ---- savepoints ----

  @Test
  void savepoints_setRollbackToRelease_withinTenantTransaction() throws Exception {
    String t = tenantOn(1, "sp");
    Tenants.run(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 1)");
        Savepoint sp = c.setSavepoint("before_dup");
        assertThatThrownBy(() -> s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 2)"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
        c.rollback(sp);
        s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 2, 2)");
        Savepoint unnamed = c.setSavepoint();
        s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 3, 3)");
        c.releaseSavepoint(unnamed);
        s.execute("SAVEPOINT by_sql");
        s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 4, 4)");
        s.execute("ROLLBACK TO SAVEPOINT by_sql");
        s.execute("RELEASE SAVEPOINT by_sql");
        c.commit();
      }
    });
    assertThat(RoutingFixture.direct(cluster.primary(1), "SELECT id FROM jdbc_orders WHERE tenant_id = '" + t + "' ORDER BY id"))
        .containsExactly("1", "2", "3");
  }

  // ---- isolation, read-only, client info: applied on the physical connection, gone before reuse ----

  @Test
  void isolationReadOnlyAndApplicationName_appliedOnPhysicalAndResetBeforeReuse() throws Exception {
    String t = tenantOn(1, "iso");
    String app = "jdbc-app-" + run;
    String[] firstPid = new String[1];
    Tenants.run(t, () -> {
      try (Connection c = single.getConnection()) {
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        c.setReadOnly(true);
        c.setClientInfo("ApplicationName", app);
        assertThat(c.getClientInfo("ApplicationName")).isEqualTo(app);
        c.setAutoCommit(false);
        assertThat(one(c, "SHOW transaction_isolation")).isEqualTo("serializable");
        assertThat(one(c, "SHOW transaction_read_only")).isEqualTo("on");
        assertThat(one(c, "SHOW application_name")).isEqualTo(app);
        firstPid[0] = one(c, "SELECT pg_backend_pid()");
        assertThatThrownBy(() -> c.createStatement().executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 1)"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
        c.rollback();
        c.setReadOnly(false);
        c.createStatement().execute("SET work_mem = '7MB'");
        c.commit();
        assertThat(one(c, "SHOW work_mem")).isEqualTo("7MB");
        // closed with a transaction open: the resets must not be rolled back with it
      }
      try (Connection c = single.getConnection()) {
        c.setAutoCommit(false);
        assertThat(one(c, "SELECT pg_backend_pid()")).as("the same physical connection").isEqualTo(firstPid[0]);
        assertThat(one(c, "SHOW transaction_isolation")).isEqualTo("read committed");
        assertThat(one(c, "SHOW transaction_read_only")).isEqualTo("off");
        assertThat(one(c, "SHOW application_name")).isNotEqualTo(app);
        assertThat(one(c, "SHOW work_mem")).isNotEqualTo("7MB");
        c.commit();
      }
    });
  }

  // ---- validity, warnings, schema, escapes ----

  @Test
  void isValid_heldBackendKilled_dropsItAndTheNextStatementWorks() throws Exception {
    String t = tenantOn(0, "valid");
    try (Connection c = ds.getConnection()) {
      String pid = Tenants.call(t, () -> one(c, "SELECT pg_backend_pid()"));
      cluster.primary(0).execute("SELECT pg_terminate_backend(" + pid + ")");
      assertThat(c.isValid(5)).isTrue();
      assertThat(Tenants.call(t, () -> one(c, "SELECT pg_backend_pid()"))).isNotEqualTo(pid);
      assertThatThrownBy(() -> c.isValid(-1)).isInstanceOf(SQLException.class);
    }
    Connection closed = ds.getConnection();
    closed.close();
    assertThat(closed.isValid(1)).isFalse();
  }

  @Test
  void getWarnings_raiseNotice_surfacesOnTheStatementAsPgJdbc() throws Exception {
    String t = tenantOn(1, "warn");
    SQLWarning expected;
    try (Connection d = direct(); Statement s = d.createStatement()) {
      s.execute("SELECT jdbc_notice('x')");
      expected = s.getWarnings();
    }
    Tenants.run(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        assertThat((Object) s.getWarnings()).isNull();
        s.execute("SELECT jdbc_notice('x')");
        SQLWarning w = s.getWarnings();
        assertThat((Object) w).isNotNull();
        assertThat(w.getMessage()).isEqualTo(expected.getMessage()).contains("jdbc-notice x");
        assertThat(w.getSQLState()).isEqualTo(expected.getSQLState());
        s.clearWarnings();
        assertThat((Object) s.getWarnings()).isNull();
        assertThat((Object) c.getWarnings()).isNull();
        c.clearWarnings();
      }
    });
  }

  @Test
  void schema_getSchemaAsPgJdbc_setSchemaToTheSameAllowed_anotherRefused() throws SQLException {
    try (Connection c = ds.getConnection(); Connection d = direct()) {
      assertThat(c.getSchema()).isEqualTo(d.getSchema()).isEqualTo("public");
      c.setSchema("public");
      assertThatThrownBy(() -> c.setSchema("pg_catalog"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.UNVERIFIABLE));
      assertThat(c.getSchema()).isEqualTo("public");
    }
  }

  @Test
  void nativeSQL_jdbcEscapes_translatedAsPgJdbc() throws SQLException {
    String sql = "SELECT {fn ucase(note)}, {d '2024-01-02'} FROM jdbc_orders WHERE tenant_id = ? AND note LIKE 'a\\_%' {escape '\\'}";
    try (Connection c = ds.getConnection(); Connection d = direct()) {
      assertThat(c.nativeSQL(sql)).isEqualTo(d.nativeSQL(sql)).doesNotContain("{fn");
    }
  }

  @Test
  void jdbcEscapes_inRoutedStatement_runAsPgJdbc() throws SQLException {
    String t = tenantOn(1, "esc");
    try (Connection c = ds.getConnection()) {
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_orders (tenant_id, id, amount, note) VALUES (?, 1, 1, 'abc')")) {
        ins.setString(1, t);
        ins.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT {fn ucase(note)} FROM jdbc_orders WHERE tenant_id = ?")) {
        ps.setString(1, t);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("ABC");
        }
      }
    }
  }

  // ---- abort and network timeout ----

  @Test
  void abort_whileAStatementRuns_failsItAndClosesTheConnection() throws Exception {
    String t = tenantOn(1, "abort");
    String marker = "jdbc-abort-" + run;
    Connection c = single.getConnection();
    assertThatThrownBy(() -> c.abort(null)).isInstanceOf(SQLException.class);
    Statement s = c.createStatement();
    Future<?> running = pool.submit(() -> {
      Tenants.run(t, () -> s.execute("SELECT pg_sleep(20), '" + marker + "'"));
      return null;
    });
    awaitActive(1, marker);
    c.abort(pool);
    assertThat(c.isClosed()).isTrue();
    assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState()).startsWith("08"));
    assertThatThrownBy(() -> c.createStatement()).isInstanceOf(SQLException.class);
    // The aborted physical connection is discarded: the one-connection pool serves a fresh one.
    try (Connection next = single.getConnection()) {
      assertThat(Tenants.call(t, () -> one(next, "SELECT 1"))).isEqualTo("1");
    }
  }

  @Test
  void setNetworkTimeout_slowStatement_failsAsLostConnectionAndTheNextStatementWorks() throws Exception {
    String t = tenantOn(0, "net");
    try (Connection c = ds.getConnection()) {
      assertThatThrownBy(() -> c.setNetworkTimeout(pool, -1)).isInstanceOf(SQLException.class);
      c.setNetworkTimeout(pool, 300);
      assertThat(c.getNetworkTimeout()).isEqualTo(300);
      Tenants.run(t, () -> {
        assertThatThrownBy(() -> one(c, "SELECT pg_sleep(10)"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
        c.setNetworkTimeout(pool, 0);
        assertThat(one(c, "SELECT 1")).isEqualTo("1");
      });
    }
  }

  // ---- multiple-results protocol and wrappers ----

  @Test
  void statementResultSequence_queryThenUpdate_asPgJdbc() throws Exception {
    String t = tenantOn(0, "seq");
    String update = "UPDATE jdbc_orders SET amount = amount WHERE tenant_id = '" + t + "' AND id = -1";
    List<Object> expected;
    try (Connection d = direct(); Statement s = d.createStatement()) {
      expected = sequence(s, "SELECT 1 AS one", update);
    }
    List<Object> actual = Tenants.call(t, () -> {
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        assertThat(s.getResultSet()).isNull();
        assertThat(s.getUpdateCount()).isEqualTo(-1);
        List<Object> out = sequence(s, "SELECT 1 AS one", update);
        assertThat(s.execute("SELECT 1 AS one")).isTrue();
        ResultSet rs = s.getResultSet();
        assertThat(s.getResultSet()).as("the same result set on repeated calls").isSameAs(rs);
        assertThat(rs.getStatement()).isSameAs(s);
        assertThat(rs.getStatement().getConnection()).isSameAs(c);
        return out;
      }
    });
    assertThat(actual).isEqualTo(expected);
  }

  private static List<Object> sequence(Statement s, String query, String update) throws SQLException {
    List<Object> out = new ArrayList<>();
    out.add(s.execute(query));
    out.add(s.getUpdateCount());
    ResultSet rs = s.getResultSet();
    out.add(rs != null);
    out.add(s.getMoreResults());
    out.add(s.getUpdateCount());
    out.add(s.getResultSet() == null);
    out.add(s.execute(update));
    out.add(s.getUpdateCount());
    out.add(s.getResultSet() == null);
    out.add(s.getMoreResults());
    out.add(s.getUpdateCount());
    return out;
  }

  @Test
  void unwrap_physicalTypesRefused_pgConnectionGivesShardlinesOwn() throws SQLException {
    try (Connection c = ds.getConnection()) {
      assertThat(c.isWrapperFor(Connection.class)).isTrue();
      assertThat(c.unwrap(Connection.class)).isSameAs(c);
      assertThat(c.isWrapperFor(org.postgresql.core.BaseConnection.class)).isFalse();
      assertThatThrownBy(() -> c.unwrap(org.postgresql.core.BaseConnection.class)).isInstanceOf(SQLException.class);
      assertThat(c.isWrapperFor(org.postgresql.PGConnection.class)).isTrue();
      org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
      assertThat(pg).isNotInstanceOf(org.postgresql.core.BaseConnection.class);
      assertThat(pg.getCopyAPI()).isNotNull();
      assertThat(pg.escapeIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
      assertThatThrownBy(pg::getLargeObjectAPI).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
      try (Statement s = c.createStatement(); ResultSet rs = Tenants.call(tenantOn(0, "uw"), () -> s.executeQuery("SELECT 1"))) {
        assertThatThrownBy(() -> rs.unwrap(org.postgresql.jdbc.PgResultSet.class)).isInstanceOf(SQLException.class);
        assertThat(s.isWrapperFor(org.postgresql.PGStatement.class)).isFalse();
      }
    }
  }
}
