package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.migrations.Migrations;
import java.sql.SQLException;

/**
 * Runs the user's optional Liquibase changelog of a PostgreSQL analytics store
 * ({@code cdc.sinks.postgres.changelog}: indexes, partitioning, extra columns) through the migrations
 * module, before Shardline derives the tables still missing. Shardline's own tables are plain DDL
 * ({@link OffsetsTable}, {@link DeadLetterTable}), the same for DuckDB, which Liquibase does not support.
 */
final class AnalyticsChangelog {
    private AnalyticsChangelog() {}

    static void apply(CdcConfig.PostgresSink target) throws SQLException {
        if (target.changelog().isEmpty()) return;
        try {
            Migrations.applyTo(
                    "cdc sink postgres",
                    target.url(),
                    target.username(),
                    target.password(),
                    target.changelog().get());
        } catch (RuntimeException e) {
            throw new SQLException(e.getMessage() + "; fix the changelog or the analytics database", e);
        }
    }
}
