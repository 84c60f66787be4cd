/**
 * Implementation of routing (ShardingSphere engine, pools, JDBC wrappers, health checks); not API,
 * may change in any release.
 */
package dev.shardline.routing.internal;
