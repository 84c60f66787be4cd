package dev.shardline.cdc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import liquibase.Contexts;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;

/**
 * Runs {@value #CHANGELOG} (Shardline's own tables in a PostgreSQL analytics store) with Liquibase
 * on the sink's connection. Liquibase has no DuckDB support, so the DuckDB sink creates the same
 * table with plain DDL.
 */
final class AnalyticsChangelog {
  static final String CHANGELOG = "dev/shardline/cdc/analytics.changelog.yaml";

  private AnalyticsChangelog() {}

  static void apply(Connection conn) throws SQLException {
    try {
      Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(conn));
      // Not closed: closing the Liquibase database would close the sink's connection.
      new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(AnalyticsChangelog.class.getClassLoader()), db)
          .update(new Contexts());
      conn.commit();
    } catch (LiquibaseException e) {
      throw new SQLException("analytics changelog " + CHANGELOG + " failed: " + e.getMessage(), e);
    }
  }
}
