package dev.shardline.cdc.internal;

import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a private field of Debezium's, made accessible, or null when a Debezium upgrade moved it:
 * the callers then fall back to Debezium's own behaviour and their unit tests fail the build first.
 */
final class DebeziumFields {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumFields.class);

    private DebeziumFields() {}

    static Field find(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException | RuntimeException e) {
            LOG.debug("cdc - no field {}.{}: {}", owner.getName(), name, e.toString());
            return null;
        }
    }
}
