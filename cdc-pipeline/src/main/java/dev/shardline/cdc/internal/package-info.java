/**
 * Implementation of the CDC pipeline (engines, record conversion, offsets, built-in sinks); not
 * API, may change in any release.
 */
package dev.shardline.cdc.internal;
