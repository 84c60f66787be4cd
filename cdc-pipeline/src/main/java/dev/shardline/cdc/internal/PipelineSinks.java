package dev.shardline.cdc.internal;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.config.ShardSpec;
import dev.shardline.config.ShardlineConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sinks of one pipeline in delivery order, opened and closed together: cache invalidation,
 * the application's sinks, the built-in analytics sinks (which store the resume offset), then the
 * observers. Order matters: a sink that stores the resume offset runs after every sink that does
 * not, so the stored offset never passes a batch the cache or an application sink has not applied.
 */
public final class PipelineSinks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineSinks.class);

    private final List<ChangeSink> sinks = new ArrayList<>();

    /**
     * Builds the sinks ({@code invalidator} may be null; {@code builtIn} false leaves out
     * {@code cdc.sinks}) for tables shaped like {@code schema}; opens none.
     */
    public PipelineSinks(
            CdcConfig cdc,
            Map<String, SourceTable> schema,
            CacheInvalidator invalidator,
            List<ChangeSink> application,
            boolean builtIn,
            List<ChangeSink> observers) {
        if (invalidator != null && !cdc.invalidations().isEmpty())
            sinks.add(new CacheInvalidationSink(invalidator, cdc.invalidations(), schema));
        sinks.addAll(application);
        if (builtIn) {
            boolean truncates = cdc.truncate() == CdcConfig.TruncateMode.DELETE;
            cdc.duckdbPath()
                    .ifPresent(p -> sinks.add(new DuckDbAnalyticsSink(p, schema, truncates, cdc.duckdbThreads())));
            cdc.postgres().ifPresent(p -> sinks.add(new PostgresAnalyticsSink(p, schema, truncates)));
        }
        sinks.addAll(observers);
    }

    /** Opens every sink; the analytics sinks follow schema changes as {@code admin} reads them from the shards of {@code config}. */
    public void open(ShardlineConfig config, SourceAdmin admin) {
        for (ChangeSink s : sinks) {
            if (s instanceof AnalyticsSink a)
                a.schemaSource((shard, table) -> describeEverywhere(config, admin, table));
            s.open();
        }
    }

    /** Returns the sinks in delivery order. */
    public List<ChangeSink> list() {
        return List.copyOf(sinks);
    }

    /**
     * Returns a table as the analytics sinks should have it while shards are migrated one after
     * another: every column some shard has (so a column is dropped only once no shard has it), each
     * with the widest type any shard has.
     */
    private static SourceTable describeEverywhere(ShardlineConfig config, SourceAdmin admin, String table) {
        SourceTable first = null;
        Map<String, String> columns = new LinkedHashMap<>();
        for (ShardSpec s : config.shards()) {
            if (config.tables().isBroadcast(table) && first != null) break; // streamed from the first shard only
            SourceTable t = admin.describe(s, table);
            if (first == null) first = t;
            t.columns()
                    .forEach((c, type) -> columns.merge(c, type, (a, b) -> SchemaEvolution.isWidening(a, b) ? b : a));
        }
        return new SourceTable(table, columns, first.primaryKey(), first.tenantColumn());
    }

    /**
     * Returns a new connection to the open DuckDB analytics store (DuckDB allows one writer process
     * per file, so readers in the same process go through the sink's instance). The caller closes it.
     *
     * @throws ShardlineCdcException when no DuckDB sink is open
     */
    public Connection openDuckDbReader() {
        DuckDbAnalyticsSink duck = sinks.stream()
                .filter(s -> s instanceof DuckDbAnalyticsSink)
                .map(s -> (DuckDbAnalyticsSink) s)
                .findFirst()
                .orElseThrow(() -> new ShardlineCdcException(
                        "cdc - no duckdb sink is open; configure cdc.sinks.duckdb and start()"));
        try {
            return duck.openReader();
        } catch (SQLException e) {
            throw new ShardlineCdcException("cdc sink duckdb - cannot open a reader: " + e.getMessage(), e);
        }
    }

    /** Closes every sink; a sink that fails to close is logged, the others still close. */
    @Override
    public void close() {
        for (ChangeSink s : sinks) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("cdc sink {} - close failed: {}", s.name(), e.getMessage());
            }
        }
    }
}
