/**
 * The sharded {@link javax.sql.DataSource} and {@code jdbc:shardline:} driver: every statement
 * routed to its tenant's shard, replicas for reads, health and circuit breakers per endpoint.
 */
package dev.shardline.routing;
