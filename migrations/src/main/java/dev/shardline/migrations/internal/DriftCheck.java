package dev.shardline.migrations.internal;

import dev.shardline.config.TableRules;
import dev.shardline.migrations.DriftReport;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares every shard with the changelog and with the first reachable shard: changesets recorded
 * but not in the changelog (applied by hand), checksums that changed since they were applied, and
 * declared tables whose columns differ.
 */
public final class DriftCheck {
    private final List<ShardRunner> runners;
    private final TableRules tables;

    public DriftCheck(List<ShardRunner> runners, TableRules tables) {
        this.runners = runners;
        this.tables = tables;
    }

    public DriftReport run() {
        List<String> findings = new ArrayList<>();
        Map<String, Map<String, List<String>>> schemas = new LinkedHashMap<>();
        List<String> declared = new ArrayList<>(tables.tenantColumns().keySet());
        declared.addAll(tables.broadcastTables());
        Map<String, String> expected = null;
        for (ShardRunner r : runners) {
            try {
                if (expected == null) expected = r.expected();
                compareHistory(r, expected, findings);
                schemas.put(r.shard(), r.columns(declared));
            } catch (SQLException e) {
                findings.add(r.shard() + " - cannot be checked: " + e.getMessage());
            }
        }
        compareSchemas(schemas, findings);
        return new DriftReport(findings);
    }

    private static void compareHistory(ShardRunner r, Map<String, String> expected, List<String> findings)
            throws SQLException {
        for (ShardRunner.Applied a : r.applied().values()) {
            String want = expected.get(a.key());
            if (want == null) {
                findings.add(
                        r.shard() + " - changeset " + a.key() + " is recorded as applied but is not in the changelog "
                                + "(applied by hand or from another changelog); add it to the changelog or remove it from this shard");
            } else if (a.checksum() != null && !a.checksum().equals(want)) {
                findings.add(r.shard() + " - changeset " + a.key() + " was changed after it was applied (checksum "
                        + a.checksum() + ", changelog now " + want
                        + "); revert the edit and add a new changeset instead");
            }
        }
    }

    private static void compareSchemas(Map<String, Map<String, List<String>>> schemas, List<String> findings) {
        if (schemas.size() < 2) return;
        var it = schemas.entrySet().iterator();
        var reference = it.next();
        while (it.hasNext()) {
            var other = it.next();
            reference.getValue().forEach((table, cols) -> {
                List<String> theirs = other.getValue().get(table);
                if (!cols.equals(theirs)) {
                    findings.add(other.getKey() + " - table " + table + " differs from " + reference.getKey() + ": "
                            + diff(cols, theirs) + "; bring the shards back in line with a changeset");
                }
            });
        }
    }

    private static String diff(List<String> a, List<String> b) {
        List<String> onlyA = new ArrayList<>(a);
        onlyA.removeAll(b);
        List<String> onlyB = new ArrayList<>(b);
        onlyB.removeAll(a);
        return "missing " + onlyA + ", extra " + onlyB;
    }
}
