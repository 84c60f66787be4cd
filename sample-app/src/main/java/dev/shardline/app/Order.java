package dev.shardline.app;

import java.time.Instant;

/** One order of one tenant. Amounts are in cents. */
public record Order(
        String tenant, long id, String sku, int quantity, long amountCents, String status, Instant createdAt) {}
