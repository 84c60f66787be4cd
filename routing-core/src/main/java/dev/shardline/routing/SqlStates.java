package dev.shardline.routing;

/**
 * SQLStates Shardline raises itself. PostgreSQL's own states (40001, 40P01, 23505...) pass
 * through unchanged, so an application's retry logic keeps working.
 */
public final class SqlStates {
    /** A statement on a sharded table carries no tenant key and none is in context. */
    public static final String TENANT_REQUIRED = "SL001";
    /** A transaction would touch a second shard. */
    public static final String CROSS_SHARD_TRANSACTION = "SL002";
    /** The statement's tenant key differs from the tenant in context. */
    public static final String TENANT_MISMATCH = "SL003";
    /** A statement names more than one tenant. */
    public static final String UNROUTABLE = "SL004";
    /** A statement Shardline cannot prove single-tenant (several statements, DO, COPY, PREPARE...). */
    public static final String UNVERIFIABLE = "SL005";
    /** The endpoint's circuit breaker is open or no connection could be obtained in time (class 08: connection exception). */
    public static final String SHARD_UNAVAILABLE = "08001";

    private SqlStates() {}
}
