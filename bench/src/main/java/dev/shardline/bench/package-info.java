/**
 * Benchmarks run by {@code scripts/bench <name>}: each starts its own servers on loopback, runs a
 * same-process baseline and prints {@code RESULT} lines.
 */
package dev.shardline.bench;
