package dev.shardline.app;

import java.util.Optional;

/** How the service reads one order: straight from the store, or through the cache. */
@FunctionalInterface
public interface OrderReader {
    Optional<Order> find(String tenant, long id);
}
