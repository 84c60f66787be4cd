package dev.shardline.routing;

import dev.shardline.config.TableRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The row-level security policies behind {@code routing.isolation: rls}: on every sharded table,
 * rows are visible and writable only when their tenant column equals the session setting
 * {@code shardline.tenant}, which Shardline sets on each borrowed connection. Policies are forced
 * on table owners too; superusers and roles with BYPASSRLS still skip them, which is why Shardline
 * refuses to start in RLS mode as such a role.
 */
public final class RowLevelSecurity {
    /** The policy name Shardline creates (and replaces) on each sharded table. */
    public static final String POLICY = "shardline_tenant";

    private RowLevelSecurity() {}

    /** Returns the statements that install the policies for {@code tables}, in order; safe to run again. */
    public static List<String> statements(TableRules tables) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : tables.tenantColumns().entrySet()) {
            String t = ident(e.getKey());
            // IS NOT DISTINCT FROM, not "=": an equality would join the statement's own tenant condition in the
            // planner's
            // equivalence classes and lend its proof to unrelated references, hiding them from the analysis.
            String cond = "(" + ident(e.getValue())
                    + ")::text IS NOT DISTINCT FROM current_setting('shardline.tenant', true)";
            out.add("ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY");
            out.add("ALTER TABLE " + t + " FORCE ROW LEVEL SECURITY");
            out.add("DROP POLICY IF EXISTS " + POLICY + " ON " + t);
            out.add("CREATE POLICY " + POLICY + " ON " + t + " USING (" + cond + ") WITH CHECK (" + cond + ")");
        }
        return out;
    }

    /** Installs the policies through {@code owner} (a connection of the tables' owner), in one transaction. */
    public static void install(Connection owner, TableRules tables) throws SQLException {
        boolean auto = owner.getAutoCommit();
        owner.setAutoCommit(false);
        try (Statement s = owner.createStatement()) {
            for (String sql : statements(tables)) s.execute(sql);
            owner.commit();
        } catch (SQLException e) {
            owner.rollback();
            throw e;
        } finally {
            owner.setAutoCommit(auto);
        }
    }

    /**
     * Returns why the role of {@code c} would not be bound by the policies (superuser or BYPASSRLS),
     * or null when it is.
     */
    public static String bypassReason(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            if (rs.getBoolean(2)) return "role " + rs.getString(1) + " is a superuser";
            if (rs.getBoolean(3)) return "role " + rs.getString(1) + " has BYPASSRLS";
            return null;
        }
    }

    private static String ident(String s) {
        return s.matches("[a-z_][a-z0-9_]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
