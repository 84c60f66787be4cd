/**
 * The consistency runner: application instances in their own JVMs, the CDC sidecar and Redis
 * under a fault schedule, each instance recording its reads, acknowledged writes and invalidations
 * and the sidecar its applied invalidations, and the checker that reads those histories afterwards
 * for stale reads (against a per-read staleness bound) and lost read-your-writes.
 */
package dev.shardline.consistency;
