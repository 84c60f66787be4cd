/**
 * The {@code shardline.yaml} format: loading with file:line errors, {@code ${ENV}} placeholders,
 * the shard topology and the tenant-to-bucket-to-shard map, free of ShardingSphere so every module
 * can read it.
 */
package dev.shardline.config;
