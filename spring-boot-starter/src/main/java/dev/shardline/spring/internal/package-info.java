/**
 * Implementation of the starter (tenant filter and resolvers, Spring cache adapter, health
 * contributors); not API, may change in any release.
 */
package dev.shardline.spring.internal;
