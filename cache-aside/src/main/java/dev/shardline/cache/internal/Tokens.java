package dev.shardline.cache.internal;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/** Version tokens no other write ever reuses: a random instance id and a counter (so a lost counter cannot repeat, unlike INCR). */
final class Tokens {
    private final String instance;
    private final AtomicLong next = new AtomicLong();

    Tokens() {
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.instance = HexFormat.of().formatHex(id);
    }

    String next() {
        return instance + '.' + Long.toString(next.incrementAndGet(), 36);
    }
}
