/**
 * Extension points of the CDC pipeline: the change events and batches a {@link
 * dev.shardline.cdc.spi.ChangeSink} receives.
 */
package dev.shardline.cdc.spi;
