package dev.shardline.app;

/** The body of {@code POST /tenants/{tenant}/orders}. */
public record NewOrder(String sku, int quantity, long amountCents) {
    /** Returns a message saying what is wrong with this request, or null if it is valid. */
    public String problem() {
        if (sku == null || sku.isBlank()) return "sku is required";
        if (sku.length() > 64) return "sku must be at most 64 characters, was " + sku.length();
        if (quantity < 1 || quantity > 10_000) return "quantity must be 1-10000, was " + quantity;
        if (amountCents < 0) return "amountCents must not be negative, was " + amountCents;
        return null;
    }
}
