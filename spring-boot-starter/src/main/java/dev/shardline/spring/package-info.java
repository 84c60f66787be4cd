/**
 * Spring Boot 3 auto-configuration for Shardline: the sharded DataSource from {@code
 * spring.shardline.config}, the tenant context per request, Spring Cache on cache-aside and
 * Actuator health per shard endpoint.
 */
package dev.shardline.spring;
