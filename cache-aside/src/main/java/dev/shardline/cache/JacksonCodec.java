package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.spi.ValueCodec;

/** The default codec: JSON through a Jackson {@link ObjectMapper} (records and beans round-trip). */
public final class JacksonCodec implements ValueCodec {
    private final ObjectMapper json;

    private JacksonCodec(ObjectMapper json) {
        this.json = json;
    }

    public static JacksonCodec of(ObjectMapper json) {
        return new JacksonCodec(java.util.Objects.requireNonNull(json, "json"));
    }

    @Override
    public String encode(Object value) throws Exception {
        return json.writeValueAsString(value);
    }

    @Override
    public <T> T decode(String text, Class<T> type) throws Exception {
        return json.readValue(text, type);
    }

    @Override
    public byte[] encodeBytes(Object value) throws Exception {
        return json.writeValueAsBytes(value);
    }

    @Override
    public <T> T decode(byte[] data, int offset, int length, Class<T> type) throws Exception {
        return json.readValue(data, offset, length, type);
    }
}
