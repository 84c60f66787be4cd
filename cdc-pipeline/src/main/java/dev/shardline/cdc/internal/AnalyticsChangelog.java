package dev.shardline.cdc.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import liquibase.Contexts;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

/**
 * Runs {@value #CHANGELOG} (Shardline's own tables in a PostgreSQL analytics store) with Liquibase
 * on the sink's connection. Liquibase has no DuckDB support, so the DuckDB sink creates the same
 * table with plain DDL.
 */
final class AnalyticsChangelog {
  static final String CHANGELOG = "dev/shardline/cdc/analytics.changelog.yaml";

  private AnalyticsChangelog() {}

  static void apply(Connection conn) throws SQLException {
    run(conn, CHANGELOG, new ClassLoaderResourceAccessor(AnalyticsChangelog.class.getClassLoader()));
  }

  /** Runs the user's own analytics changelog file. */
  static void applyFile(Connection conn, Path file) throws SQLException {
    Path abs = file.toAbsolutePath();
    try {
      run(conn, abs.getFileName().toString(), new DirectoryResourceAccessor(abs.getParent()));
    } catch (java.io.FileNotFoundException e) {
      throw new SQLException("analytics changelog " + abs + " not found", e);
    }
  }

  private static void run(Connection conn, String changelog, ResourceAccessor resources) throws SQLException {
    try {
      Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(conn));
      // Not closed: closing the Liquibase database would close the sink's connection.
      new Liquibase(changelog, resources, db).update(new Contexts());
      conn.commit();
    } catch (LiquibaseException e) {
      throw new SQLException("analytics changelog " + changelog + " failed: " + e.getMessage()
          + "; fix the changelog or the analytics database", e);
    }
  }
}
