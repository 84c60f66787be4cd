package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** One physical statement kept for one text on one connection, replaced when either changes. */
final class KeptStatement {
    /** How the kept statement is made. */
    @FunctionalInterface
    interface Prepare {
        PreparedStatement on(Connection c, String text) throws SQLException;
    }

    private PreparedStatement ps;
    private Connection conn;
    private String text;

    /** Returns the statement for {@code text} on {@code c}, closing and replacing the one kept before. */
    PreparedStatement get(Connection c, String text, Prepare prepare) throws SQLException {
        if (ps != null && conn == c && text.equals(this.text) && !ps.isClosed()) return ps;
        close();
        ps = prepare.on(c, text);
        conn = c;
        this.text = text;
        return ps;
    }

    /** True when {@code statement} is the kept one. */
    boolean holds(Object statement) {
        return statement != null && statement == ps;
    }

    void close() throws SQLException {
        if (ps != null) ps.close();
    }
}
