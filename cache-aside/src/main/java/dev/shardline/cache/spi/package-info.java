/**
 * Extension points of cache-aside, such as the value codec.
 */
package dev.shardline.cache.spi;
