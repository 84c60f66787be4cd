/**
 * Implementation of cache-aside (Redis operations, key format, near cache); not API, may change in
 * any release.
 */
package dev.shardline.cache.internal;
