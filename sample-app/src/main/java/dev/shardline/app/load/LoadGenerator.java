package dev.shardline.app.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open-loop HTTP load against the orders service: requests are issued on a schedule (base rate,
 * then a burst), not when the previous one finished, so a slow server shows up as latency and
 * queueing rather than as politely reduced load. Each latency is measured from the request's
 * scheduled send time (see {@link Schedule}), not from when a worker picked it up, and recorded
 * in HdrHistograms; requests that find the client's queue full are counted as {@code dropped}.
 * Faults run at their second and are marked.
 */
public final class LoadGenerator {
    private static final Logger LOG = LoggerFactory.getLogger(LoadGenerator.class);

    /** A fault to inject {@code atSecond} seconds into the run. */
    public record FaultStep(double atSecond, String name, Runnable action) {}

    private final URI target;
    private final LoadSettings settings;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Transport transport;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, DoubleSupplier> gauges = new LinkedHashMap<>();
    private final List<FaultStep> faults = new ArrayList<>();
    private IntConsumer progress = s -> {};

    /** Sends one request and returns its HTTP status; the seam a test uses to play a stalled server. */
    interface Transport {
        int send(HttpRequest request) throws Exception;
    }

    public LoadGenerator(URI target, LoadSettings settings) {
        this.target = target;
        this.settings = settings;
        this.transport =
                r -> http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    LoadGenerator(URI target, LoadSettings settings, Transport transport) {
        this.target = target;
        this.settings = settings;
        this.transport = transport;
    }

    /** Samples {@code value} once a second into the timeline under {@code name}. */
    public LoadGenerator gauge(String name, DoubleSupplier value) {
        gauges.put(name, value);
        return this;
    }

    public LoadGenerator fault(double atSecond, String name, Runnable action) {
        faults.add(new FaultStep(atSecond, name, action));
        return this;
    }

    /** Called with each elapsed second, for a progress display. */
    public LoadGenerator onSecond(IntConsumer p) {
        progress = p;
        return this;
    }

    private static String tenant(int i) {
        return "tenant-" + i;
    }

    /** Creates {@code ordersPerTenant} orders for every tenant and returns their ids, as "tenant/id". */
    public List<String> seed() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int t = 0; t < settings.tenants(); t++) {
            for (int o = 0; o < settings.ordersPerTenant(); o++) {
                HttpResponse<String> r = send(write(tenant(t), o));
                if (r.statusCode() != 201)
                    throw new IllegalStateException("seeding failed: HTTP " + r.statusCode() + " " + r.body());
                keys.add(tenant(t) + "/" + json.readTree(r.body()).get("id").asLong());
            }
        }
        return keys;
    }

    /** Runs the load for the configured duration and returns what it saw. */
    public Timeline run(List<String> keys) throws InterruptedException {
        int seconds = (int) settings.duration().toSeconds();
        Timeline tl = new Timeline(seconds);
        Zipf hot = new Zipf(keys.size(), settings.zipfExponent());
        Zipf tenants = new Zipf(settings.tenants(), settings.zipfExponent());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                settings.concurrency(),
                settings.concurrency(),
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.concurrency() * 4),
                r -> {
                    Thread t = new Thread(r, "load");
                    t.setDaemon(true);
                    return t;
                });
        SplittableRandom rnd = new SplittableRandom(7);
        Schedule schedule = new Schedule(settings);
        List<FaultStep> pending = new ArrayList<>(faults);
        long start = System.nanoTime();
        long issued = 0;
        int lastSecond = -1;
        while (true) {
            double now = (System.nanoTime() - start) / 1e9;
            if (now >= seconds) break;
            int sec = (int) now;
            if (sec != lastSecond) {
                for (int s = lastSecond + 1; s <= sec; s++) sample(tl, s);
                lastSecond = sec;
                progress.accept(sec);
            }
            runDueFaults(pending, now, tl);
            long due = schedule.dueBy(now);
            for (; issued < due; issued++) {
                boolean read = rnd.nextDouble() < settings.readShare();
                HttpRequest req =
                        read ? readRequest(keys.get(hot.next(rnd))) : write(tenant(tenants.next(rnd)), rnd.nextInt());
                String kind = read ? "read" : "write";
                long scheduledAt = start + schedule.dueNanos(issued);
                try {
                    pool.execute(() -> call(tl, start, scheduledAt, kind, req));
                } catch (RejectedExecutionException e) {
                    tl.count("dropped", sec);
                }
            }
            Thread.sleep(1);
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        return tl;
    }

    private void runDueFaults(List<FaultStep> pending, double now, Timeline tl) {
        for (var it = pending.iterator(); it.hasNext(); ) {
            FaultStep f = it.next();
            if (f.atSecond() <= now) {
                it.remove();
                tl.fault(now, f.name());
                LOG.info("fault at {}s: {}", String.format("%.1f", now), f.name());
                Thread t = new Thread(f.action(), "fault");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private void sample(Timeline tl, int s) {
        gauges.forEach((name, g) -> {
            try {
                tl.gauge(name, s, g.getAsDouble());
            } catch (RuntimeException e) {
                tl.gauge(name, s, Double.NaN);
            }
        });
    }

    private void call(Timeline tl, long start, long scheduledAt, String kind, HttpRequest req) {
        int sec = (int) (Math.max(0, scheduledAt - start) / 1_000_000_000L);
        try {
            int code = transport.send(req);
            long micros = (System.nanoTime() - scheduledAt) / 1000;
            if (code == 429) {
                tl.count("limited", sec);
            } else if (code >= 200 && code < 300) {
                tl.latency(kind, sec, micros);
            } else {
                tl.count("errors", sec);
                tl.count("errors_" + code, sec);
            }
        } catch (Exception e) {
            tl.count("errors", sec);
            tl.count("errors_io", sec);
        }
    }

    private HttpRequest readRequest(String key) {
        int slash = key.indexOf('/');
        return HttpRequest.newBuilder(
                        target.resolve("/tenants/" + key.substring(0, slash) + "/orders/" + key.substring(slash + 1)))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
    }

    private HttpRequest write(String tenant, int n) {
        String body = "{\"sku\":\"sku-" + Math.floorMod(n, 500) + "\",\"quantity\":" + (1 + Math.floorMod(n, 5))
                + ",\"amountCents\":" + (100 + Math.floorMod(n, 10_000)) + "}";
        return HttpRequest.newBuilder(target.resolve("/tenants/" + tenant + "/orders"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
