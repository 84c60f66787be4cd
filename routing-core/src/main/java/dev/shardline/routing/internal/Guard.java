package dev.shardline.routing.internal;

/**
 * Where to add {@code <qualifier>.<column> = '<tenant>'} to a single-table statement that runs by
 * tenant context without a tenant condition of its own, so it can only see and change its tenant's
 * rows even when other tenants share the shard. Offsets are character positions in the SQL text.
 *
 * @param whereStart start of the existing WHERE expression, or -1 when there is none
 * @param whereStop inclusive end of the existing WHERE expression
 * @param insertAt where to insert a new WHERE clause when there is none
 */
record Guard(String qualifier, String column, int whereStart, int whereStop, int insertAt) {
  /** Returns {@code sql} restricted to {@code tenant}. */
  String apply(String sql, String tenant) {
    String condition = qualifier + "." + column + " = '" + tenant.replace("'", "''") + "'";
    if (whereStart >= 0) {
      return sql.substring(0, whereStart) + "(" + sql.substring(whereStart, whereStop + 1) + ") AND " + condition
          + sql.substring(whereStop + 1);
    }
    return sql.substring(0, insertAt) + " WHERE " + condition + sql.substring(insertAt);
  }
}
