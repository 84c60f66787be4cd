package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.migrations.Migrations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * Runs the changelogs of a PostgreSQL analytics store through the migrations module: Shardline's
 * own ({@value #RESOURCE}, the offsets table) and then the user's optional
 * {@code cdc.sinks.postgres.changelog}. Liquibase has no DuckDB support, so the DuckDB sink
 * creates the same table with plain DDL.
 */
final class AnalyticsChangelog {
  static final String FILE = "shardline-cdc-analytics.changelog.yaml";
  static final String RESOURCE = "dev/shardline/cdc/" + FILE;

  private AnalyticsChangelog() {}

  static void apply(CdcConfig.PostgresSink target) throws SQLException {
    try {
      Migrations.applyTo("cdc sink postgres", target.url(), target.username(), target.password(), extractOwn());
      if (target.changelog().isPresent()) {
        Migrations.applyTo("cdc sink postgres", target.url(), target.username(), target.password(), target.changelog().get());
      }
    } catch (RuntimeException e) {
      throw new SQLException(e.getMessage() + "; fix the changelog or the analytics database", e);
    }
  }

  /** Copies the bundled changelog to a file; its file name is what Liquibase records, so it never changes. */
  private static Path extractOwn() throws SQLException {
    try (InputStream in = AnalyticsChangelog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new SQLException(RESOURCE + " is missing from the classpath");
      Path dir = Files.createTempDirectory("shardline-cdc-changelog-");
      Path file = dir.resolve(FILE);
      Files.copy(in, file);
      file.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new SQLException("cannot extract " + RESOURCE + ": " + e.getMessage(), e);
    }
  }
}
