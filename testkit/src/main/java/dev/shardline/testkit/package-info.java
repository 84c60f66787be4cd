/**
 * Real servers for tests and the demo: PostgreSQL topologies of primaries and streaming replicas
 * ({@link dev.shardline.testkit.PgCluster}, {@link dev.shardline.testkit.WithPgCluster}) and Redis.
 */
package dev.shardline.testkit;
