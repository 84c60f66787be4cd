package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import dev.shardline.routing.CrossTenantException;
import dev.shardline.routing.ShardlineRoutingException;
import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * A tenant-bound {@code COPY ... FROM STDIN} into one sharded table: the rows go to a temporary table
 * on the tenant's shard primary, are checked to all carry that tenant, and only then are inserted, in
 * one transaction — a file with another tenant's row writes nothing.
 */
public final class TenantCopy {
  private static final Pattern IDENT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private TenantCopy() {}

  /**
   * Copies {@code data} (PostgreSQL text format, or CSV if {@code csv}) into {@code table} for
   * {@code tenant} and returns the number of rows written.
   *
   * @throws CrossTenantException if a row's tenant column is not {@code tenant} (nothing is written)
   * @throws ShardlineRoutingException if {@code table} is not a declared sharded table
   */
  public static long copyIn(Engine engine, String table, Object tenant, boolean csv, Reader data) throws SQLException, IOException {
    String name = table == null ? null : table.toLowerCase(java.util.Locale.ROOT);
    if (name == null || !IDENT.matcher(name).matches() || !engine.config().tables().isSharded(name)) {
      throw new ShardlineRoutingException("copy - '" + table + "' is not a declared sharded table (tables.sharded in shardline.yaml); "
          + "copy into a sharded table, or load a broadcast table with INSERT through Shardline");
    }
    String column = engine.config().tables().tenantColumnOf(name);
    String canonical = TenantHash.canonical(tenant);
    Shard shard = engine.shard(engine.shardIndexOf(canonical));
    try (Connection c = shard.primary.acquire()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        long rows = copyChecked(c, name, column, canonical, csv, data);
        c.commit();
        return rows;
      } catch (SQLException | IOException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    }
  }

  private static long copyChecked(Connection c, String table, String column, String tenant, boolean csv, Reader data)
      throws SQLException, IOException {
    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('" + Exprs.CONTEXT_SETTING + "', ?, true)")) {
      ps.setString(1, tenant);
      ps.execute();
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TEMP TABLE shardline_copy_in (LIKE " + table + " INCLUDING DEFAULTS) ON COMMIT DROP");
    }
    long copied = c.unwrap(PGConnection.class).getCopyAPI()
        .copyIn("COPY shardline_copy_in FROM STDIN" + (csv ? " WITH (FORMAT csv)" : ""), data);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT count(*), min(" + column + "::text) FROM shardline_copy_in WHERE " + column + "::text IS DISTINCT FROM ?")) {
      ps.setString(1, tenant);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) > 0) {
          throw new CrossTenantException("copy " + table + " - " + rs.getLong(1) + " of " + copied + " rows are not tenant '" + tenant
              + "' (e.g. '" + rs.getString(2) + "'); nothing was written. Copy each tenant's rows with its own copyIn call.");
        }
      }
    }
    try (Statement s = c.createStatement()) {
      return s.executeUpdate("INSERT INTO " + table + " SELECT * FROM shardline_copy_in");
    }
  }
}
