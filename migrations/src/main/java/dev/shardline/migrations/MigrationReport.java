package dev.shardline.migrations;

import java.util.List;
import java.util.Locale;

/** Per-shard results of a migrate or status run. A failure on one shard never hides the others. */
public record MigrationReport(String changelog, List<ShardResult> shards) {
    public MigrationReport {
        shards = List.copyOf(shards);
    }

    /** True when no shard failed, was locked, skipped or unreachable. */
    public boolean ok() {
        return shards.stream().allMatch(ShardResult::ok);
    }

    public ShardResult shard(String name) {
        return shards.stream()
                .filter(s -> s.shard().equals(name))
                .findFirst()
                .orElseThrow(() -> new ShardlineMigrationException("no result for shard '" + name + "'"));
    }

    /** Renders one line per shard, then each error in full. */
    public String render() {
        StringBuilder b = new StringBuilder("changelog " + changelog + "\n");
        for (ShardResult r : shards) {
            b.append(String.format(
                    Locale.ROOT,
                    "  %-12s %-12s applied %3d  pending %3d  new %3d  %6d ms%n",
                    r.shard(),
                    r.state().name().toLowerCase(Locale.ROOT),
                    r.applied(),
                    r.pending(),
                    r.appliedNow().size(),
                    r.took().toMillis()));
        }
        for (ShardResult r : shards) {
            if (r.error() != null)
                b.append(r.shard()).append(" - ").append(r.error()).append('\n');
        }
        return b.toString();
    }
}
