package dev.shardline.bench;

import dev.shardline.migrations.MigrationReport;
import dev.shardline.migrations.ShardMigrator;
import dev.shardline.testkit.PgCluster;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shard-wide migration time: the same realistic changelog (20 changesets: tables, indexes, seed
 * data) applied to 1 shard and to 8 shards, each run on fresh databases. Figure: t8 / t1.
 */
public final class MigrationsBench {
    private MigrationsBench() {}

    public static void main(String[] args) throws Exception {
        try (PgCluster pg = PgCluster.start(8, 0)) {
            Path dir = Files.createTempDirectory("bench-migrations");
            Files.writeString(dir.resolve("changelog.yaml"), changelog());
            // Warm-up run so both measured runs find the JVM, the OS page cache and PostgreSQL equally warm.
            run(pg, dir, "warm", 1);
            long t1 = run(pg, dir, "one", 1);
            long t8 = run(pg, dir, "eight", 8);
            System.out.printf("1 shard: %d ms, 8 shards: %d ms%n", t1, t8);
            Results.print("migrations", "t1_ms", t1);
            Results.print("migrations", "t8_ms", t8);
            Results.print("migrations", "parallel_ratio", t8 / (double) t1);
        }
    }

    private static long run(PgCluster pg, Path dir, String db, int shards) throws Exception {
        StringBuilder y = new StringBuilder("shards:\n");
        for (int i = 0; i < shards; i++) {
            pg.primary(i).execute("CREATE DATABASE " + db);
            y.append("  - name: shard-")
                    .append(i)
                    .append("\n    primary: jdbc:postgresql://127.0.0.1:")
                    .append(pg.primary(i).port())
                    .append('/')
                    .append(db)
                    .append('\n');
        }
        y.append("migrations:\n  changelog: changelog.yaml\n  workers: 8\n");
        Path yaml = Files.writeString(dir.resolve(db + ".yaml"), y.toString());
        long t0 = System.nanoTime();
        MigrationReport r = ShardMigrator.fromYaml(yaml).migrate();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (!r.ok()) throw new IllegalStateException(r.render());
        return ms;
    }

    static String changelog() {
        StringBuilder c = new StringBuilder("databaseChangeLog:\n");
        for (int t = 1; t <= 6; t++) {
            c.append(cs(
                    "t" + t,
                    "CREATE TABLE entity_" + t
                            + " (tenant_id text NOT NULL, id bigint NOT NULL, name text, amount numeric(12,2), "
                            + "created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id))"));
            c.append(cs("i" + t, "CREATE INDEX entity_" + t + "_created ON entity_" + t + " (tenant_id, created_at)"));
            c.append(cs(
                    "d" + t,
                    "INSERT INTO entity_" + t
                            + " SELECT 'tenant-' || (g % 50), g, 'n' || g, g * 1.5 FROM generate_series(1, 20000) g"));
        }
        c.append(cs("a1", "ALTER TABLE entity_1 ADD COLUMN note text"));
        c.append(cs("a2", "CREATE INDEX entity_2_name ON entity_2 (name)"));
        return c.toString();
    }

    private static String cs(String id, String sql) {
        return "  - changeSet:\n      id: " + id
                + "\n      author: bench\n      changes:\n        - sql:\n            sql: " + sql + "\n";
    }
}
