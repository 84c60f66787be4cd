package dev.shardline.routing.internal;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.ShardlineRoutingException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The ShardingSphere-JDBC DataSource behind explicit scatter reads (results merged across shards:
 * ORDER BY, LIMIT, aggregates). Built lazily over Shardline's own pools — it costs seconds and most
 * applications never scatter — and rebuilt after DDL, since ShardingSphere loads table metadata once.
 */
final class ScatterEngine implements AutoCloseable {
    private final ShardlineConfig config;
    private final List<Shard> shards;
    private final String mapId = UUID.randomUUID().toString();
    private volatile DataSource ds;
    private volatile boolean stale;

    ScatterEngine(ShardlineConfig config, List<Shard> shards) {
        this.config = config;
        this.shards = shards;
        TenantShardingAlgorithm.register(mapId, config.buckets());
    }

    DataSource dataSource() throws SQLException {
        DataSource d = ds;
        if (d != null && !stale) return d;
        synchronized (this) {
            if (ds == null || stale) {
                DataSource old = ds;
                ds = build();
                stale = false;
                closeQuietly(old);
            }
            return ds;
        }
    }

    void markStale() {
        stale = true;
    }

    boolean isBuilt() {
        return ds != null;
    }

    /**
     * Builds ShardingSphere over pools of its own (small, empty until used): scatter reads get a
     * bulkhead apart from the application's single-shard traffic, and ShardingSphere may close them.
     */
    private DataSource build() throws SQLException {
        Map<String, DataSource> sources = new LinkedHashMap<>();
        for (Shard s : shards) {
            sources.put(TenantShardingAlgorithm.dataSourceName(s.index) + "_w", scatterPool(s.primary));
            for (int r = 0; r < s.replicas.length; r++) {
                sources.put(TenantShardingAlgorithm.dataSourceName(s.index) + "_r" + r, scatterPool(s.replicas[r]));
            }
        }
        try {
            return org.apache.shardingsphere.driver.api.yaml.YamlShardingSphereDataSourceFactory.createDataSource(
                    sources, yaml().getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new ShardlineRoutingException(
                    "scatter - cannot build the ShardingSphere data source: " + e.getMessage(), e);
        }
    }

    private static DataSource scatterPool(EndpointPool e) {
        com.zaxxer.hikari.HikariConfig c = new com.zaxxer.hikari.HikariConfig();
        var own = e.dataSource();
        c.setPoolName(e.id() + "-scatter");
        c.setJdbcUrl(own.getJdbcUrl());
        c.setUsername(own.getUsername());
        c.setPassword(own.getPassword());
        c.setDataSourceProperties(own.getDataSourceProperties());
        c.setMaximumPoolSize(4);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(own.getConnectionTimeout());
        c.setInitializationFailTimeout(-1);
        return new com.zaxxer.hikari.HikariDataSource(c);
    }

    /** The ShardingSphere rules equivalent to Shardline's routing: tenant sharding plus read/write splitting. */
    String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("databaseName: shardline\n");
        y.append("mode:\n  type: Standalone\n  repository:\n    type: JDBC\n");
        y.append("rules:\n- !SHARDING\n  tables:\n");
        StringBuilder nodes = new StringBuilder();
        for (Shard s : shards) {
            if (nodes.length() > 0) nodes.append(',');
            nodes.append(TenantShardingAlgorithm.dataSourceName(s.index)).append(".%s");
        }
        config.tables().tenantColumns().forEach((table, column) -> {
            y.append("    ").append(table).append(":\n");
            y.append("      actualDataNodes: <LITERAL>")
                    .append(nodes.toString().replace("%s", table))
                    .append('\n');
            y.append("      databaseStrategy:\n        standard:\n");
            y.append("          shardingColumn: ").append(column).append('\n');
            y.append("          shardingAlgorithmName: shardline_tenant\n");
        });
        y.append("  shardingAlgorithms:\n    shardline_tenant:\n      type: ")
                .append(TenantShardingAlgorithm.TYPE)
                .append('\n');
        y.append("      props:\n        ")
                .append(TenantShardingAlgorithm.MAP_ID)
                .append(": ")
                .append(mapId)
                .append('\n');
        if (!config.tables().broadcastTables().isEmpty()) {
            y.append("- !BROADCAST\n  tables:\n");
            config.tables()
                    .broadcastTables()
                    .forEach(t -> y.append("    - ").append(t).append('\n'));
        }
        y.append("- !READWRITE_SPLITTING\n  dataSourceGroups:\n");
        for (Shard s : shards) {
            String name = TenantShardingAlgorithm.dataSourceName(s.index);
            y.append("    ")
                    .append(name)
                    .append(":\n      writeDataSourceName: ")
                    .append(name)
                    .append("_w\n");
            y.append("      readDataSourceNames:");
            if (s.replicas.length == 0) {
                y.append(" [").append(name).append("_w]\n");
            } else {
                y.append('\n');
                for (int r = 0; r < s.replicas.length; r++)
                    y.append("        - ").append(name).append("_r").append(r).append('\n');
            }
            y.append("      transactionalReadQueryStrategy: PRIMARY\n      loadBalancerName: round_robin\n");
        }
        y.append("  loadBalancers:\n    round_robin:\n      type: ROUND_ROBIN\n");
        y.append("props:\n  sql-show: false\n  check-table-metadata-enabled: false\n");
        return y.toString();
    }

    @Override
    public void close() {
        closeQuietly(ds);
        ds = null;
        TenantShardingAlgorithm.unregister(mapId);
    }

    private static void closeQuietly(DataSource d) {
        if (d instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the pools underneath are Shardline's and stay open
            }
        }
    }
}
