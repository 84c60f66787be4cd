package dev.shardline.app.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback TCP proxy that can add latency to everything a server sends back: put it in front of
 * one shard to inject "one dependency is slow" while the rest stays healthy. Latency is applied per
 * chunk of the response stream, so each round trip pays it once.
 */
public final class LatencyProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "latency-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile long delayMillis;

    private LatencyProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        pumps.execute(this::accept);
    }

    /** Starts a proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
    public static LatencyProxy start(int targetPort) throws IOException {
        return new LatencyProxy(targetPort);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Sets the latency added to each response chunk; 0 turns it off. */
    public void setDelayMillis(long millis) {
        if (millis < 0) throw new IllegalArgumentException("delay must not be negative, was " + millis);
        delayMillis = millis;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                pumps.execute(() -> pump(client, server, false));
                pumps.execute(() -> pump(server, client, true));
            } catch (IOException e) {
                if (listener.isClosed()) return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean delayed) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                long d = delayMillis;
                if (delayed && d > 0) Thread.sleep(d);
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(LatencyProxy::closeQuietly);
        pumps.shutdownNow();
    }
}
