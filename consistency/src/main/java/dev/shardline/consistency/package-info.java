/**
 * The consistency runner: application instances in their own JVMs, the CDC sidecar and Redis
 * under a fault schedule, each recording its reads and acknowledged writes, and the checker that
 * reads those histories afterwards for stale reads and lost read-your-writes.
 */
package dev.shardline.consistency;
