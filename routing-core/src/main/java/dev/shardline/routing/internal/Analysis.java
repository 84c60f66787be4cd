package dev.shardline.routing.internal;

import java.util.List;
import java.util.Set;

/**
 * What routing needs to know about one SQL text, computed once and cached: its kind, the tables it
 * touches by class, and where each keyed scope takes its tenant value from.
 *
 * @param keys tenant values of keyed scopes (an INSERT has one per row)
 * @param unkeyedTables sharded tables read or written in a scope with no tenant predicate
 * @param problem why the statement could not be analysed, or {@code null}
 * @param guard how to restrict the statement to the context tenant, or null if it cannot be done safely
 */
record Analysis(
    String sql,
    Kind kind,
    Set<String> shardedTables,
    Set<String> broadcastTables,
    Set<String> otherTables,
    List<KeyRef> keys,
    List<String> unkeyedTables,
    boolean allShards,
    String problem,
    Guard guard) {

  /** The statement classes routing treats differently. */
  enum Kind {
    /** SELECT without row locks, SHOW: a replica may serve it outside transactions. */
    READ,
    /** INSERT/UPDATE/DELETE, SELECT ... FOR UPDATE/SHARE, CALL, COPY: the primary. */
    WRITE,
    /** Schema changes: every shard primary (or the default shard for undeclared tables). */
    DDL,
    /** SET/RESET: applied to every physical connection the logical connection uses. */
    SESSION,
    /** BEGIN/COMMIT/ROLLBACK written as SQL. */
    TCL,
    /** The parser could not read it: routed only by tenant context. */
    UNPARSED
  }

  boolean touchesSharded() {
    return !shardedTables.isEmpty();
  }

  boolean fullyKeyed() {
    return !keys.isEmpty() && unkeyedTables.isEmpty();
  }
}
