package dev.shardline.cache.spi;

import java.nio.charset.StandardCharsets;

/**
 * Turns cached values into bytes for Redis and back. The default is Jackson JSON
 * ({@code JacksonCodec}); plug in another (Protobuf, a compact format...) through
 * {@code RedissonCacheAside.create(..., ValueCodec, ...)}. A codec implements the text pair, and
 * overrides the byte pair when it can work on bytes directly (cheaper on every hit).
 */
public interface ValueCodec {
    /** Encodes {@code value} (never null); throws any exception when the value cannot be encoded. */
    String encode(Object value) throws Exception;

    /** Decodes {@code text} as {@code type}; throws when it cannot, and the entry is then treated as a miss. */
    <T> T decode(String text, Class<T> type) throws Exception;

    /** As {@link #encode(Object)}, to bytes; by default the UTF-8 bytes of the text. */
    default byte[] encodeBytes(Object value) throws Exception {
        return encode(value).getBytes(StandardCharsets.UTF_8);
    }

    /** As {@link #decode(String, Class)}, from {@code length} bytes of {@code data} at {@code offset}. */
    default <T> T decode(byte[] data, int offset, int length, Class<T> type) throws Exception {
        return decode(new String(data, offset, length, StandardCharsets.UTF_8), type);
    }
}
