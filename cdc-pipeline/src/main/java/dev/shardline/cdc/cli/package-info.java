/**
 * The {@code cdc} command of the sidecar (picocli): run the pipeline until a signal, drop its slots
 * and publications, or re-snapshot a shard. Returns exit codes; never calls {@code System.exit}.
 */
package dev.shardline.cdc.cli;
