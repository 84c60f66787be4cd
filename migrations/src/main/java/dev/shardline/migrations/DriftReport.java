package dev.shardline.migrations;

import java.util.List;

/**
 * Where shards differ from the changelog or from each other. Each finding names the shard and the
 * changeset or table, and says what to do.
 */
public record DriftReport(List<String> findings) {
    public DriftReport {
        findings = List.copyOf(findings);
    }

    public boolean clean() {
        return findings.isEmpty();
    }

    public String render() {
        return clean()
                ? "no drift: every shard matches the changelog and the others\n"
                : String.join("\n", findings) + "\n";
    }
}
