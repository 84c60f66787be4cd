/**
 * Cache-aside in front of the database: read-through {@link dev.shardline.cache.CacheAside} with
 * stampede protection, invalidations that beat in-flight loads, and its configuration.
 */
package dev.shardline.cache;
