package dev.shardline.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a tenant to a physical shard: tenant → logical bucket (stable hash modulo the bucket count)
 * → shard, with explicit pins taking precedence over the hash. Immutable and thread-safe.
 */
public final class BucketMap {
    private final int[] shardOfBucket;
    private final List<String> shardNames;
    private final Map<String, Integer> pins;

    private BucketMap(int[] shardOfBucket, List<String> shardNames, Map<String, Integer> pins) {
        this.shardOfBucket = shardOfBucket;
        this.shardNames = shardNames;
        this.pins = pins;
    }

    /** Spreads {@code count} buckets over the shards in order, in equal contiguous ranges. */
    public static BucketMap even(int count, List<String> shardNames) {
        return builder(count, shardNames).assignEvenly().build();
    }

    public static Builder builder(int count, List<String> shardNames) {
        return new Builder(count, shardNames);
    }

    public int bucketCount() {
        return shardOfBucket.length;
    }

    /** Returns the bucket of a tenant: its hash modulo the bucket count. */
    public int bucketOf(Object tenant) {
        return Math.floorMod(TenantHash.hash(tenant), shardOfBucket.length);
    }

    /** Returns the index (in {@code shards:} order) of the shard that owns {@code tenant}. */
    public int shardIndexOf(Object tenant) {
        if (!pins.isEmpty()) {
            Integer pinned = pins.get(TenantHash.canonical(tenant));
            if (pinned != null) return pinned;
        }
        return shardOfBucket[bucketOf(tenant)];
    }

    public String shardOf(Object tenant) {
        return shardNames.get(shardIndexOf(tenant));
    }

    public boolean isPinned(Object tenant) {
        return pins.containsKey(TenantHash.canonical(tenant));
    }

    /** Returns the shard index owning {@code bucket}. */
    public int shardIndexOfBucket(int bucket) {
        return shardOfBucket[bucket];
    }

    public List<String> shardNames() {
        return shardNames;
    }

    /** Returns pins as canonical tenant → shard name. */
    public Map<String, String> pins() {
        Map<String, String> out = new LinkedHashMap<>();
        pins.forEach((t, i) -> out.put(t, shardNames.get(i)));
        return out;
    }

    /** Builder that checks every bucket is owned by exactly one known shard. */
    public static final class Builder {
        private final int[] owner;
        private final List<String> shardNames;
        private final Map<String, Integer> pins = new LinkedHashMap<>();

        private Builder(int count, List<String> shardNames) {
            if (count < 1 || count > 65_536) {
                throw new ShardlineConfigException("bucket count must be between 1 and 65536, was " + count);
            }
            if (shardNames.isEmpty()) throw new ShardlineConfigException("at least one shard is required, was none");
            if (count < shardNames.size()) {
                throw new ShardlineConfigException(
                        "bucket count must be at least the number of shards (" + shardNames.size() + "), was " + count);
            }
            this.owner = new int[count];
            Arrays.fill(owner, -1);
            this.shardNames = List.copyOf(shardNames);
        }

        public Builder assignEvenly() {
            int n = shardNames.size();
            for (int b = 0; b < owner.length; b++) owner[b] = (int) ((long) b * n / owner.length);
            return this;
        }

        /** Assigns buckets {@code from..to} (inclusive) to {@code shard}. */
        public Builder assign(String shard, int from, int to) {
            int idx = indexOf(shard, "a bucket range");
            if (from < 0 || to >= owner.length || from > to) {
                throw new ShardlineConfigException("bucket range must lie within 0-" + (owner.length - 1)
                        + " with start ≤ end, was " + from + "-" + to);
            }
            for (int b = from; b <= to; b++) {
                if (owner[b] != -1) {
                    throw new ShardlineConfigException("bucket " + b + " is assigned twice (to "
                            + shardNames.get(owner[b]) + " and " + shard + "); ranges must not overlap");
                }
                owner[b] = idx;
            }
            return this;
        }

        /** Pins one tenant to a shard, overriding the hash. */
        public Builder pin(Object tenant, String shard) {
            int idx = indexOf(shard, "pin of tenant '" + tenant + "'");
            String key;
            try {
                key = TenantHash.canonical(tenant);
            } catch (IllegalArgumentException e) {
                throw new ShardlineConfigException(e.getMessage());
            }
            pins.put(key, idx);
            return this;
        }

        public BucketMap build() {
            List<String> gaps = new ArrayList<>();
            for (int b = 0; b < owner.length; b++) {
                if (owner[b] == -1) {
                    int start = b;
                    while (b + 1 < owner.length && owner[b + 1] == -1) b++;
                    gaps.add(start == b ? String.valueOf(start) : start + "-" + b);
                }
            }
            if (!gaps.isEmpty()) {
                throw new ShardlineConfigException("every bucket 0-" + (owner.length - 1)
                        + " must be assigned to a shard; unassigned: " + String.join(", ", gaps));
            }
            return new BucketMap(owner.clone(), shardNames, Map.copyOf(pins));
        }

        private int indexOf(String shard, String what) {
            int idx = shardNames.indexOf(shard);
            if (idx < 0) {
                throw new ShardlineConfigException(
                        what + " names unknown shard '" + shard + "'; known shards: " + shardNames);
            }
            return idx;
        }
    }
}
