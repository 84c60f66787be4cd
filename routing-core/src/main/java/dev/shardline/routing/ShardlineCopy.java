package dev.shardline.routing;

import dev.shardline.routing.internal.TenantCopy;
import java.io.IOException;
import java.io.Reader;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Bulk loading with PostgreSQL's COPY for one tenant at a time. {@code COPY} sent as SQL through a
 * Shardline connection is refused (its rows cannot be checked before they are written); this entry
 * point copies through pgJDBC's {@code CopyManager} on the tenant's shard and checks every row's
 * tenant before anything becomes visible.
 */
public final class ShardlineCopy {
    private ShardlineCopy() {}

    /**
     * Copies {@code data} in PostgreSQL's text format (the table's columns in order) into the sharded
     * {@code table} for {@code tenant}, in one transaction, and returns the number of rows written.
     *
     * @throws CrossTenantException if any row's tenant column is not {@code tenant}; nothing is written
     * @throws ShardlineRoutingException if {@code table} is not declared sharded in shardline.yaml
     */
    public static long copyIn(ShardlineDataSource dataSource, String table, Object tenant, Reader data)
            throws SQLException, IOException {
        return copy(dataSource, table, tenant, false, data);
    }

    /** As {@link #copyIn}, for CSV input (PostgreSQL's {@code FORMAT csv}, no header). */
    public static long copyInCsv(ShardlineDataSource dataSource, String table, Object tenant, Reader data)
            throws SQLException, IOException {
        return copy(dataSource, table, tenant, true, data);
    }

    private static long copy(ShardlineDataSource dataSource, String table, Object tenant, boolean csv, Reader data)
            throws SQLException, IOException {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(data, "data");
        return TenantCopy.copyIn(dataSource.engine(), table, tenant, csv, data);
    }
}
