/**
 * The multi-tenant orders service built on Shardline, and the demo stack that runs it with embedded
 * servers.
 */
package dev.shardline.app;
