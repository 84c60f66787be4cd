package dev.shardline.routing.internal;

import java.sql.SQLException;
import org.postgresql.core.Parser;

/**
 * JDBC escape syntax ({@code {fn ucase(x)}}, {@code {d '2024-01-02'}}, {@code {escape '\'}}...) as
 * pgJDBC translates it before sending: the analysis must read the statement the server will run.
 */
final class JdbcEscapes {
    private JdbcEscapes() {}

    /**
     * Returns {@code sql} with JDBC escapes translated by pgJDBC's own parser (which every physical
     * statement applies too, with {@code standard_conforming_strings} on as Shardline pins it), or
     * {@code sql} itself when it has none.
     */
    static String forAnalysis(String sql) throws SQLException {
        if (sql == null || sql.indexOf('{') < 0) return sql;
        return Parser.replaceProcessing(sql, true, true);
    }
}
