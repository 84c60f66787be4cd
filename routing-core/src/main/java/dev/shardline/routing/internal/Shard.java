package dev.shardline.routing.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A shard at run time: its primary pool and replica pools, and the round-robin position over replicas. */
final class Shard {
    final int index;
    final String name;
    final EndpointPool primary;
    final EndpointPool[] replicas;
    private final AtomicInteger next = new AtomicInteger();

    Shard(int index, String name, EndpointPool primary, List<EndpointPool> replicas) {
        this.index = index;
        this.name = name;
        this.primary = primary;
        this.replicas = replicas.toArray(EndpointPool[]::new);
    }

    /**
     * Returns a healthy replica that has replayed every commit made before {@code writtenAtNanos}
     * (round robin among them), or {@code null} when none qualifies and the primary must serve.
     */
    EndpointPool replicaFor(long writtenAtNanos, EndpointPool exclude) {
        int n = replicas.length;
        if (n == 0) return null;
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            EndpointPool r = replicas[(start + i) % n];
            if (r != exclude && r.healthy && r.caughtUpNanos - writtenAtNanos > 0) return r;
        }
        return null;
    }
}
