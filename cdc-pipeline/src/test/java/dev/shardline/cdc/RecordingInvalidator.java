package dev.shardline.cdc;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.redisson.Redisson;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Passes invalidations to the real cache-aside invalidator and records each key as
 * {@code <namespace>:<tenant>:<id>} in the Redis set {@value #LOG}, so a test can check that every
 * committed change was invalidated even across sidecar crashes.
 */
final class RecordingInvalidator implements CacheInvalidator, AutoCloseable {
    static final String LOG = "test:invalidated";
    private final CacheInvalidator delegate;
    private final RedissonClient redis;

    RecordingInvalidator(CacheInvalidator delegate, String address) {
        this.delegate = delegate;
        this.redis = client(address);
    }

    static RedissonClient client(String address) {
        Config c = new Config();
        c.setCodec(StringCodec.INSTANCE);
        c.useSingleServer().setAddress(address).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2);
        return Redisson.create(c);
    }

    static Set<String> recorded(RedissonClient redis) {
        return redis.<String>getSet(LOG, StringCodec.INSTANCE).readAll();
    }

    @Override
    public void invalidate(CacheKey key) {
        invalidateAll(List.of(key));
    }

    @Override
    public void invalidateAll(Collection<CacheKey> keys) {
        delegate.invalidateAll(keys);
        RBatch b = redis.createBatch();
        for (CacheKey k : keys)
            b.getSet(LOG, StringCodec.INSTANCE).addAsync(k.namespace() + ":" + k.tenant() + ":" + k.id());
        b.execute();
    }

    @Override
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable c) c.close();
        redis.shutdown();
    }
}
