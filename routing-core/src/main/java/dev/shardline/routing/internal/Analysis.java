package dev.shardline.routing.internal;

import java.util.List;
import java.util.Set;

/**
 * What routing needs to know about one SQL text, computed once and cached: its kind, the tenant
 * values every sharded reference is pinned to, and — when the statement cannot be proven to stay
 * within one tenant — why.
 *
 * @param keys where each tenant value comes from (all must be one tenant at execution)
 * @param violation why the statement could touch another tenant's rows, or {@code null}
 * @param shardedTables sharded tables the statement touches
 * @param broadcastWrites broadcast tables it writes (run on every shard primary)
 * @param text the lexed statement (null for texts the lexer refused)
 */
record Analysis(
        String sql,
        Kind kind,
        List<KeyRef> keys,
        String violation,
        Set<String> shardedTables,
        Set<String> broadcastWrites,
        SqlText text) {

    /** The statement classes routing treats differently. */
    enum Kind {
        /** A plan that neither modifies nor locks rows: a replica may serve it outside transactions. */
        READ,
        /** A plan that modifies or locks rows: the primary. */
        WRITE,
        /** Schema changes: every shard primary. */
        DDL,
        /** SET/RESET of an allowed setting: applied to every physical connection the logical connection uses. */
        SESSION,
        /** BEGIN/COMMIT/ROLLBACK/SAVEPOINT written as SQL. */
        TCL,
        /** A statement Shardline cannot prove single-tenant at all (DO, COPY, PREPARE, several statements...). */
        UNVERIFIABLE
    }

    boolean touchesSharded() {
        return !shardedTables.isEmpty();
    }

    boolean usesContext() {
        for (KeyRef k : keys) if (k.context()) return true;
        return false;
    }

    static Analysis of(String sql, Kind kind, SqlText text) {
        return new Analysis(sql, kind, List.of(), null, Set.of(), Set.of(), text);
    }

    static Analysis unverifiable(String sql, String why, SqlText text) {
        return new Analysis(sql, Kind.UNVERIFIABLE, List.of(), why, Set.of(), Set.of(), text);
    }
}
