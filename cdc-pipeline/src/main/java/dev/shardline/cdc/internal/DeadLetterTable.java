package dev.shardline.cdc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cdc.spi.ChangeEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The definition of {@value #NAME}: changes a sink with {@code onError: deadletter} refused, with
 * the row as JSON and the error. One DDL for DuckDB and PostgreSQL.
 */
final class DeadLetterTable {
    static final String NAME = "shardline_cdc_deadletter";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetterTable() {}

    /** Creates the table if missing (the caller commits). */
    static void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + NAME
                    + " (failed_at TIMESTAMP NOT NULL, shard VARCHAR NOT NULL, sink VARCHAR NOT NULL, "
                    + "source_table VARCHAR NOT NULL, op VARCHAR NOT NULL, commit_lsn BIGINT NOT NULL, lsn BIGINT NOT NULL, "
                    + "row_json VARCHAR NOT NULL, error VARCHAR NOT NULL)");
        }
    }

    /** Inserts the change {@code sink} refused with its error, in the caller's transaction. */
    static void insert(Connection c, String sink, ChangeEvent e, String error) throws SQLException {
        String row;
        try {
            row = JSON.writeValueAsString(e.row());
        } catch (JsonProcessingException ex) {
            throw new SQLException("cannot write the row as JSON: " + ex.getMessage(), ex);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + NAME
                        + " (failed_at, shard, sink, source_table, op, commit_lsn, lsn, row_json, error) VALUES (CURRENT_TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, e.shard());
            ps.setString(2, sink);
            ps.setString(3, e.table());
            ps.setString(4, e.op().name());
            ps.setLong(5, e.position().commitLsn());
            ps.setLong(6, e.position().lsn());
            ps.setString(7, row);
            ps.setString(8, String.valueOf(error));
            ps.executeUpdate();
        }
    }
}
