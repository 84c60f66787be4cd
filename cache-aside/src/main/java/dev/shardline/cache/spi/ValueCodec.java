package dev.shardline.cache.spi;

/** Turns cached values into strings and back; the default is Jackson JSON. Implementations must be thread-safe. */
public interface ValueCodec {
  /** Returns the encoded form of {@code value} (never null); throws if the value cannot be encoded. */
  String encode(Object value) throws Exception;

  /** Returns the value encoded in {@code text} as a {@code type}; throws if it is not one. */
  <T> T decode(String text, Class<T> type) throws Exception;
}
