package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** The part of an execution that runs on the chosen physical connection. */
@FunctionalInterface
interface Exec<T> {
  /**
   * Runs on {@code physical}.
   *
   * @param sql the SQL to run instead of the statement's own text (tenant-restricted), or null
   */
  T run(Connection physical, String sql) throws SQLException;
}
