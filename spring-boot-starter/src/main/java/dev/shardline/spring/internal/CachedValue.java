package dev.shardline.spring.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Spring cache stores through cache-aside: the value as JSON and its class, because Spring's
 * {@code Cache} API does not tell the reader which type to expect. Generic element types are not
 * recorded (a cached {@code List<Order>} comes back as a list of maps); cache single values or
 * records that hold their lists as typed fields.
 */
public record CachedValue(String type, JsonNode value) {}
