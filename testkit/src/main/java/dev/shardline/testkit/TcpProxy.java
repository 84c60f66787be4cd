package dev.shardline.testkit;

import dev.shardline.testkit.internal.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of one server, for faults that must hit one client and not the
 * others (a sidecar that loses Redis while the data in Redis survives). {@link #cut()} drops every
 * connection and refuses new ones until {@link #restore()}; {@link #delay(Duration)} holds every
 * byte from clients to the server back for a while (a slow network to one server).
 */
public final class TcpProxy implements AutoCloseable {
    private final int port = FreePorts.next();
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private volatile long delayNanos;

    private TcpProxy(int targetPort) {
        this.targetPort = targetPort;
    }

    /** Starts a proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
    public static TcpProxy start(int targetPort) {
        TcpProxy p = new TcpProxy(targetPort);
        p.restore();
        return p;
    }

    public int port() {
        return port;
    }

    /** Returns {@code redis://127.0.0.1:port}, for a proxy in front of Redis. */
    public String redisAddress() {
        return "redis://127.0.0.1:" + port;
    }

    /** Accepts connections again (after {@link #cut()}). */
    public synchronized void restore() {
        if (server != null) return;
        try {
            server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("proxy cannot bind port " + port, e);
        }
        ServerSocket s = server;
        Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Forwards every byte sent to the server {@code d} after it arrived (zero: at once), on open and
     * new connections; replies are not held. Bytes keep their order and throughput is not reduced:
     * each chunk waits in a bounded queue until it is due.
     */
    public void delay(Duration d) {
        delayNanos = d.toNanos();
    }

    /** Closes every proxied connection and the listening socket: clients see the server as down. */
    public synchronized void cut() {
        closeQuietly(server);
        server = null;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                return; // listening socket closed by cut()
            }
        }
    }

    private record Chunk(long dueNanos, byte[] bytes) {}

    private static final Chunk END = new Chunk(0, new byte[0]);

    private void pump(Socket from, Socket to, boolean delayed) {
        BlockingQueue<Chunk> queue = delayed ? new ArrayBlockingQueue<>(1024) : null;
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[8192];
                    // The delayed direction's output belongs to the writer thread below: closing it here would close
                    // the socket early.
                    try (InputStream in = from.getInputStream()) {
                        OutputStream out = queue == null ? to.getOutputStream() : null;
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            if (queue != null) {
                                queue.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                            } else {
                                out.write(buf, 0, n);
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        // one side closed: close both below
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        if (queue != null) queue.offer(END);
                        else done(from, to);
                    }
                },
                "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
        if (queue != null) {
            Thread w = new Thread(
                    () -> {
                        try {
                            OutputStream out = to.getOutputStream();
                            while (true) {
                                Chunk c = queue.take();
                                if (c == END) break;
                                long wait = c.dueNanos() - System.nanoTime();
                                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                out.write(c.bytes());
                                out.flush();
                            }
                        } catch (IOException e) {
                            // the server side closed
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            queue.clear(); // unblocks the reader, whose next read then fails on the closed socket
                            done(from, to);
                        }
                    },
                    "tcp-proxy-delay");
            w.setDaemon(true);
            w.start();
        }
    }

    private void done(Socket from, Socket to) {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a socket that is already broken
        }
    }

    @Override
    public void close() {
        cut();
    }
}
