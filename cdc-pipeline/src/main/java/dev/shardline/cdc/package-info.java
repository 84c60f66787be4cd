/**
 * The change-data-capture pipeline: one Debezium engine per shard feeding analytics sinks and cache
 * invalidation, its configuration and the sidecar command.
 */
package dev.shardline.cdc;
