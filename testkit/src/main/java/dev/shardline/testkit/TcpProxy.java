package dev.shardline.testkit;

import dev.shardline.testkit.internal.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of one server, for faults that must hit one client and not the
 * others (a sidecar that loses Redis while the data in Redis survives). {@link #cut()} drops every
 * connection and refuses new ones until {@link #restore()}.
 */
public final class TcpProxy implements AutoCloseable {
  private final int port = FreePorts.next();
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private ServerSocket server;

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
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        return; // listening socket closed by cut()
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed: close both below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
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
