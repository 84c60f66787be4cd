package dev.shardline.consistency;

import dev.shardline.testkit.PgNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Samples, every {@value #PERIOD_MS} ms, the two ways a read can lag a commit: the CDC sidecar's
 * reported lag ({@code shardline_cdc_lag_ms}, largest over shards; skipped while the sidecar is
 * down) and each replica's replay lag (0 when it has replayed all it received, else the age of the
 * last transaction it replayed; skipped while it is down). Each sample is {time ms, lag ms}, the
 * input of {@link StalenessBound#measured}.
 */
final class LagSampler implements AutoCloseable {
    static final long PERIOD_MS = 250;
    private static final String REPLAY_LAG =
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                    + " ELSE (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint END";

    private final HttpClient http = HttpClient.newHttpClient();
    private final int httpPort;
    private final List<PgNode> replicas;
    private final BooleanSupplier sidecarDown;
    private final List<long[]> samples = new ArrayList<>();
    private final Map<PgNode, Connection> connections = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    LagSampler(int httpPort, List<PgNode> replicas, BooleanSupplier sidecarDown) {
        this.httpPort = httpPort;
        this.replicas = List.copyOf(replicas);
        this.sidecarDown = sidecarDown;
        this.thread = new Thread(this::loop, "lag-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Returns a copy of the samples so far. */
    synchronized List<long[]> samples() {
        return new ArrayList<>(samples);
    }

    private synchronized void add(long lagMs) {
        samples.add(new long[] {System.currentTimeMillis(), lagMs});
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (!sidecarDown.getAsBoolean()) sampleSidecar();
            for (PgNode r : replicas) sampleReplica(r);
        }
    }

    private void sampleSidecar() {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                            .timeout(Duration.ofSeconds(1))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            r.body()
                    .lines()
                    .filter(l -> l.startsWith("shardline_cdc_lag_ms"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .max()
                    .ifPresent(this::add);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } catch (Exception e) {
            // the sidecar is restarting
        }
    }

    private void sampleReplica(PgNode replica) {
        try {
            Connection c = connections.get(replica);
            if (c == null) {
                c = replica.connect();
                connections.put(replica, c);
            }
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout(2);
                try (ResultSet rs = s.executeQuery(REPLAY_LAG)) {
                    rs.next();
                    add(Math.max(0, rs.getLong(1)));
                }
            }
        } catch (SQLException down) {
            Connection c = connections.remove(replica);
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already broken
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
        for (Connection c : connections.values()) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the replica may be gone
            }
        }
    }
}
