package dev.shardline.cache;

/** Loads the value of a key from the system of record (the database) on a miss; may return null. */
@FunctionalInterface
public interface CacheLoader<T> {
    T load() throws Exception;
}
