package dev.shardline.routing.internal;

import dev.shardline.config.BucketMap;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.shardingsphere.sharding.api.sharding.standard.PreciseShardingValue;
import org.apache.shardingsphere.sharding.api.sharding.standard.RangeShardingValue;
import org.apache.shardingsphere.sharding.api.sharding.standard.StandardShardingAlgorithm;

/**
 * ShardingSphere sharding algorithm {@code SHARDLINE_TENANT}, registered through SPI: maps a tenant
 * value to its shard's data source through the same {@link BucketMap} as Shardline's own router,
 * so ShardingSphere's routes (used for scatter reads) agree with the fast path.
 */
public final class TenantShardingAlgorithm implements StandardShardingAlgorithm<Comparable<?>> {
    static final String TYPE = "SHARDLINE_TENANT";
    static final String MAP_ID = "bucket-map-id";
    private static final Map<String, BucketMap> MAPS = new ConcurrentHashMap<>();

    private BucketMap buckets;

    static void register(String id, BucketMap map) {
        MAPS.put(id, map);
    }

    static void unregister(String id) {
        MAPS.remove(id);
    }

    static String dataSourceName(int shard) {
        return "ds" + shard;
    }

    @Override
    public void init(Properties props) {
        String id = props.getProperty(MAP_ID);
        buckets = MAPS.get(id);
        if (buckets == null) {
            throw new IllegalStateException("shardline - no bucket map registered as '" + id
                    + "'; the algorithm is created by ShardlineDataSource only");
        }
    }

    @Override
    public String doSharding(Collection<String> targets, PreciseShardingValue<Comparable<?>> value) {
        return dataSourceName(buckets.shardIndexOf(value.getValue()));
    }

    /** Ranges over tenants touch every shard; only explicit scatter reads reach ShardingSphere. */
    @Override
    public Collection<String> doSharding(Collection<String> targets, RangeShardingValue<Comparable<?>> value) {
        return targets;
    }

    @Override
    public String getType() {
        return TYPE;
    }
}
