package dev.shardline.cache.spi;

/**
 * Turns cached values into text for Redis and back. The default is Jackson JSON
 * ({@code JacksonCodec}); plug in another (Protobuf as Base64, a compact format...) through
 * {@code RedissonCacheAside.create(..., ValueCodec, ...)}.
 */
public interface ValueCodec {
  /** Encodes {@code value} (never null); throws any exception when the value cannot be encoded. */
  String encode(Object value) throws Exception;

  /** Decodes {@code text} as {@code type}; throws when it cannot, and the entry is then treated as a miss. */
  <T> T decode(String text, Class<T> type) throws Exception;
}
