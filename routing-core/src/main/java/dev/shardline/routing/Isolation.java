package dev.shardline.routing;

/** How Shardline keeps a statement within its tenant ({@code routing.isolation}). */
public enum Isolation {
    /** The statement analysis alone: every statement is proven single-tenant before it runs. */
    ANALYSIS,
    /**
     * The analysis plus PostgreSQL row-level security as defense in depth: every borrowed connection
     * carries the routed tenant in {@code shardline.tenant}, and the policies {@link RowLevelSecurity}
     * installs let a statement see and write only that tenant's rows.
     */
    RLS
}
