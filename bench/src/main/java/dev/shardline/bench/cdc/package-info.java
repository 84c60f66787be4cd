/**
 * Instrumented sinks and invalidators the CDC benchmark times commit-to-sink and
 * commit-to-invalidation with.
 */
package dev.shardline.bench.cdc;
