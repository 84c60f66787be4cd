package dev.shardline.cdc;

import dev.shardline.testkit.PgCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commits a steady stream of inserts, updates and deletes of {@code orders} on every primary:
 * single statements and small multi-row transactions. Tenants {@code shard*100 + 1..5} live on
 * each shard; a primary that is down is skipped until it is back.
 */
final class SourceWriter implements AutoCloseable {
    private final PgCluster cluster;
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final java.util.Set<String> touched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long pauseMicros;
    private volatile boolean stop;

    SourceWriter(PgCluster cluster, long pauseMicros) {
        this.cluster = cluster;
        this.pauseMicros = pauseMicros;
        this.thread = new Thread(this::run, "source-writer");
    }

    SourceWriter start() {
        thread.start();
        return this;
    }

    long commits() {
        return commits.get();
    }

    /** Returns "tenant:id" of every row a committed statement changed. */
    java.util.Set<String> touched() {
        return touched;
    }

    private void run() {
        Random rnd = new Random(42);
        int shards = cluster.primaries().size();
        Connection[] conns = new Connection[shards];
        long[] nextId = new long[shards];
        List<List<long[]>> live = new ArrayList<>();
        for (int i = 0; i < shards; i++) live.add(new ArrayList<>());
        while (!stop) {
            int s = rnd.nextInt(shards);
            try {
                if (conns[s] == null) conns[s] = cluster.primary(s).connect();
                Connection c = conns[s];
                List<long[]> rows = live.get(s);
                int n = rnd.nextInt(10) < 2 ? 3 : 1;
                c.setAutoCommit(n == 1);
                List<long[]> added = new ArrayList<>();
                List<long[]> removed = new ArrayList<>();
                List<String> changed = new ArrayList<>();
                try (Statement st = c.createStatement()) {
                    for (int i = 0; i < n; i++) {
                        int op = rnd.nextInt(10);
                        if (rows.size() < 20 || op < 5) {
                            long tenant = s * 100L + 1 + rnd.nextInt(5);
                            long id = 1_000_000 + ++nextId[s];
                            st.execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (" + tenant + ", " + id
                                    + ", " + (rnd.nextInt(100000) / 100.0) + ", 'w" + id + "')");
                            added.add(new long[] {tenant, id});
                            changed.add(tenant + ":" + id);
                        } else if (op < 9) {
                            long[] r = rows.get(rnd.nextInt(rows.size()));
                            if (st.executeUpdate("UPDATE orders SET amount = " + (rnd.nextInt(100000) / 100.0)
                                            + ", version = version + 1 " + "WHERE tenant_id = " + r[0] + " AND id = "
                                            + r[1])
                                    > 0) {
                                changed.add(r[0] + ":" + r[1]);
                            }
                        } else {
                            long[] r = rows.get(rnd.nextInt(rows.size()));
                            if (st.executeUpdate("DELETE FROM orders WHERE tenant_id = " + r[0] + " AND id = " + r[1])
                                    > 0) {
                                changed.add(r[0] + ":" + r[1]);
                            }
                            removed.add(r);
                        }
                    }
                    if (n > 1) c.commit();
                }
                touched.addAll(changed);
                rows.addAll(added);
                rows.removeAll(removed);
                commits.incrementAndGet();
            } catch (SQLException e) {
                closeQuietly(conns[s]);
                conns[s] = null;
                sleepMicros(50_000); // the primary is down: try again later
            }
            sleepMicros(pauseMicros);
        }
        for (Connection c : conns) closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // broken connection
        }
    }

    private static void sleepMicros(long micros) {
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
