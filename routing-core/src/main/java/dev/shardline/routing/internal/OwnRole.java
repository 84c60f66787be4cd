package dev.shardline.routing.internal;

import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Recognises {@code SET [SESSION] ROLE r} where {@code r} is the role the session already runs as
 * (its login role, with no other role set): tools such as Flyway send it to "restore" the role
 * they found. Shardline pins the role on every pooled connection, so any other SET ROLE stays
 * refused; this one changes nothing and runs as {@link #NO_OP_SQL}.
 */
final class OwnRole {
  /** What runs instead: makes the current role the session role, which it already is. */
  static final String NO_OP_SQL = "SET ROLE NONE";

  private OwnRole() {}

  /** Returns the role {@code a} sets, or null when it is not a plain {@code SET [SESSION] ROLE name}. */
  static String target(Analysis a) {
    SqlText t = a.text();
    if (t == null || !t.verb.equals("set")) return null;
    int k = 1;
    if (t.word(k).equals("session")) k++;
    if (!t.word(k).equals("role")) return null;
    k++;
    int end = t.tokens.size();
    if (end > k + 1 && t.tokens.get(end - 1).isPunct(';')) end--;
    if (end != k + 1) return null;
    Token v = t.tokens.get(k);
    if (v.type() == Type.STRING || v.type() == Type.QUOTED_IDENT) return v.text();
    if (v.type() == Type.IDENT && !v.text().equals("none") && !v.text().equals("default")) return v.text();
    return null;
  }

  /** True when {@code c} runs as {@code role} both as session user and current user. */
  static boolean isCurrent(Connection c, String role) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user, session_user")) {
      rs.next();
      return role.equals(rs.getString(1)) && role.equals(rs.getString(2));
    }
  }
}
