package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.config.ShardSpec;
import dev.shardline.config.ShardlineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prepares one shard to be copied into the sinks again, for a slot PostgreSQL invalidated: drops
 * the slot, removes the shard's analytics rows and stored offsets (one transaction per sink), so
 * the next start snapshots that shard without duplicates. The sidecar must be stopped.
 */
public final class Resnapshot {
    private Resnapshot() {}

    /** Runs it; returns what was done, one line per step. */
    public static List<String> run(ShardlineConfig config, CdcConfig cdc, String shardName) {
        ShardSpec shard = config.shards().stream()
                .filter(s -> s.name().equals(shardName))
                .findFirst()
                .orElseThrow(() -> new ShardlineCdcException("cdc - no shard '" + shardName
                        + "' in shardline.yaml (shards: "
                        + config.shards().stream().map(ShardSpec::name).toList() + "); pass one of them to --shard"));
        if (cdc.snapshot() != CdcConfig.SnapshotMode.INITIAL) {
            throw new ShardlineCdcException(
                    "cdc " + shardName + " - resnapshot copies the shard with the initial snapshot, but "
                            + "cdc.snapshot is never; set cdc.snapshot: initial, then retry");
        }
        List<String> done = new ArrayList<>();
        SourceAdmin admin = new SourceAdmin(cdc, config.tables())
                .broadcastFrom(config.shards().get(0).name());
        if (admin.dropSlot(shard)) done.add(shardName + ": dropped slot " + cdc.slotName(shardName));
        Map<String, SourceTable> tables = admin.prepare(shard);
        List<AnalyticsSink> sinks = new ArrayList<>();
        cdc.duckdbPath().ifPresent(p -> sinks.add(new DuckDbAnalyticsSink(p, tables, true, cdc.duckdbThreads())));
        cdc.postgres().ifPresent(p -> sinks.add(new PostgresAnalyticsSink(p, tables, true)));
        for (AnalyticsSink s : sinks) {
            try {
                s.open();
                s.forget(shardName);
                done.add(shardName + ": removed its rows and offset from sink " + s.name());
            } finally {
                s.close();
            }
        }
        if (sinks.isEmpty() && cdc.offsetsFile().isPresent()) {
            Path f = cdc.offsetsFile().get();
            Path file = f.resolveSibling(f.getFileName() + "." + shardName);
            try {
                if (Files.deleteIfExists(file)) done.add(shardName + ": deleted offsets file " + file);
            } catch (IOException e) {
                throw new ShardlineCdcException(
                        "cdc " + shardName + " - cannot delete " + file + ": " + e.getMessage() + "; delete it by hand",
                        e);
            }
        }
        done.add(shardName + ": the next start copies the shard again (snapshot)");
        return done;
    }
}
