package dev.shardline.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * Orders and their idempotency keys, through Jdbi over the Shardline DataSource. Every statement
 * names the tenant, so each runs on the tenant's shard; an order and its idempotency record are
 * written in one transaction there.
 */
public final class OrderStore {
    /** The outcome of a create: the HTTP status and body to send, and whether it was a replay. */
    public record Created(int status, String body, boolean replayed) {}

    /** Thrown when the same Idempotency-Key arrives with a different request body. */
    public static final class KeyReusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KeyReusedException(String key) {
            super("Idempotency-Key '" + key
                    + "' was already used with a different request body; use a new key for a new request");
        }
    }

    private final Jdbi jdbi;
    private final ObjectMapper json;
    private final Duration keyTtl;

    public OrderStore(Jdbi jdbi, ObjectMapper json, Duration keyTtl) {
        this.jdbi = jdbi;
        this.json = json;
        this.keyTtl = keyTtl;
        jdbi.registerRowMapper(ConstructorMapper.factory(Order.class));
    }

    /**
     * Creates an order, or replays the stored response when {@code key} was seen with the same
     * request within the key's lifetime.
     *
     * @throws KeyReusedException if {@code key} was used with a different request
     */
    public Created create(String tenant, NewOrder req, String key) {
        String hash = sha256(req);
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return jdbi.inTransaction(h -> attempt(h, tenant, req, key, hash));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(
                        "tenant " + tenant + " - cannot write the order as JSON: " + e.getMessage(), e);
            } catch (LostRace e) {
                // A concurrent request with the same key committed first; the next attempt replays it.
            }
        }
        throw new IllegalStateException(
                "tenant " + tenant + " - Idempotency-Key '" + key + "' kept conflicting; retry the request");
    }

    /** Rolls the transaction back when a concurrent request stored the same key first. */
    private static final class LostRace extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LostRace() {
            super(null, null, false, false);
        }
    }

    private String sha256(NewOrder req) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(json.writeValueAsBytes(req));
            return java.util.HexFormat.of().formatHex(d);
        } catch (Exception e) {
            throw new IllegalStateException("cannot hash the request", e);
        }
    }

    private Created attempt(Handle h, String tenant, NewOrder req, String key, String hash) throws java.io.IOException {
        if (key != null) {
            Optional<Created> replay = h.createQuery(
                            "SELECT request_hash, status, response FROM idempotency_keys WHERE tenant_id = :t AND idem_key = :k "
                                    + "AND created_at > now() - (:ttl * interval '1 second') FOR UPDATE")
                    .bind("t", tenant)
                    .bind("k", key)
                    .bind("ttl", (double) keyTtl.toSeconds())
                    .map((rs, ctx) -> {
                        if (!rs.getString(1).equals(hash)) throw new KeyReusedException(key);
                        return new Created(rs.getInt(2), rs.getString(3), true);
                    })
                    .findOne();
            if (replay.isPresent()) return replay.get();
        }
        Order order = h.createQuery(
                        "INSERT INTO orders (tenant_id, id, sku, quantity, amount_cents) VALUES (:t, :id, :sku, :q, :a) "
                                + "RETURNING tenant_id AS tenant, id, sku, quantity, amount_cents, status, created_at")
                .bind("t", tenant)
                .bind("id", Ids.next())
                .bind("sku", req.sku())
                .bind("q", req.quantity())
                .bind("a", req.amountCents())
                .mapTo(Order.class)
                .one();
        String body = json.writeValueAsString(order);
        if (key != null) {
            int stored = h.createUpdate(
                            "INSERT INTO idempotency_keys (tenant_id, idem_key, request_hash, status, response) "
                                    + "VALUES (:t, :k, :h, 201, :r) ON CONFLICT (tenant_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, "
                                    + "status = excluded.status, response = excluded.response, created_at = now() "
                                    + "WHERE idempotency_keys.created_at <= now() - (:ttl * interval '1 second')")
                    .bind("t", tenant)
                    .bind("k", key)
                    .bind("h", hash)
                    .bind("r", body)
                    .bind("ttl", (double) keyTtl.toSeconds())
                    .execute();
            if (stored == 0) throw new LostRace();
        }
        return new Created(201, body, false);
    }

    /** Returns one order of a tenant. */
    public Optional<Order> find(String tenant, long id) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT tenant_id AS tenant, id, sku, quantity, amount_cents, status, created_at "
                                + "FROM orders WHERE tenant_id = :t AND id = :id")
                        .bind("t", tenant)
                        .bind("id", id)
                        .mapTo(Order.class)
                        .findOne());
    }

    /** Returns a tenant's newest orders (served by a replica). */
    public List<Order> list(String tenant, int limit) {
        return jdbi.withHandle(
                h -> h.createQuery("SELECT tenant_id AS tenant, id, sku, quantity, amount_cents, status, created_at "
                                + "FROM orders WHERE tenant_id = :t ORDER BY id DESC LIMIT :n")
                        .bind("t", tenant)
                        .bind("n", limit)
                        .mapTo(Order.class)
                        .list());
    }

    /** Returns the number of orders of a tenant, read on the primary (for tests and the demo's checks). */
    public long count(String tenant) {
        return jdbi.inTransaction(h -> h.createQuery("SELECT count(*) FROM orders WHERE tenant_id = :t")
                .bind("t", tenant)
                .mapTo(Long.class)
                .one());
    }
}
