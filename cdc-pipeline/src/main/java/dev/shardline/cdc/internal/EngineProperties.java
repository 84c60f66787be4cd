package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.config.ShardSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/** The Debezium connector and engine settings of one shard's engine. */
final class EngineProperties {
    private EngineProperties() {}

    /** Returns the settings; offsets go to {@code offsetsFile} when given, else to the sinks ({@link SinkOffsetStore}). */
    static Properties of(ShardSpec shard, CdcConfig cdc, String engineName, Optional<Path> offsetsFile) {
        JdbcTarget t = JdbcTarget.parse(shard.primary().jdbcUrl());
        Properties p = new Properties();
        p.setProperty("name", engineName);
        p.setProperty("connector.class", PromptPostgresConnector.class.getName());
        p.setProperty("topic.prefix", shard.name());
        p.setProperty("database.hostname", t.host());
        p.setProperty("database.port", String.valueOf(t.port()));
        p.setProperty("database.dbname", t.database());
        p.setProperty("database.user", shard.primary().username());
        p.setProperty("database.password", shard.primary().password());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", cdc.slotName(shard.name()));
        p.setProperty("publication.name", cdc.publicationName());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", cdc.snapshot() == CdcConfig.SnapshotMode.INITIAL ? "initial" : "no_data");
        p.setProperty("poll.interval.ms", String.valueOf(cdc.pollInterval().toMillis()));
        p.setProperty("max.batch.size", String.valueOf(cdc.maxBatchSize()));
        p.setProperty("max.queue.size", String.valueOf(Math.max(8192, cdc.maxBatchSize() * 4)));
        List<String> include =
                new ArrayList<>(cdc.tables().stream().map(x -> "public." + x).toList());
        if (!cdc.heartbeat().isZero()) {
            p.setProperty(
                    "heartbeat.interval.ms", String.valueOf(cdc.heartbeat().toMillis()));
            p.setProperty("heartbeat.action.query", SourceAdmin.heartbeatQuery(cdc.slotName(shard.name())));
            include.add("public." + SourceAdmin.HEARTBEAT_TABLE);
        }
        p.setProperty("table.include.list", String.join(",", include));
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("tombstones.on.delete", "false");
        // Debezium skips TRUNCATE by default ("t"); the sinks decide what it means (cdc.truncate).
        p.setProperty("skipped.operations", "none");
        // The engine fails fast on a lost connection; this class restarts it with backoff instead.
        p.setProperty("errors.max.retries", "0");
        p.setProperty("offset.flush.interval.ms", "1000");
        // A restarted engine can find its slot still held for a moment by the connection it just closed;
        // Debezium's default wait before retrying is 10 s.
        p.setProperty("slot.retry.delay.ms", "250");
        p.setProperty("slot.max.retries", "40");
        if (offsetsFile.isPresent()) {
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty(
                    "offset.storage.file.filename",
                    offsetsFile.get().toAbsolutePath().toString());
        } else {
            p.setProperty("offset.storage", SinkOffsetStore.class.getName());
            p.setProperty(SinkOffsetStore.ENGINE_PROPERTY, engineName);
        }
        return p;
    }
}
