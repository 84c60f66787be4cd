package dev.shardline.testkit.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Hands out free loopback ports, never the same one twice in a JVM (servers bind them later). */
public final class FreePorts {
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    public static int next() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = s.getLocalPort();
                if (GIVEN.add(port)) return port;
            } catch (IOException e) {
                throw new IllegalStateException("cannot find a free loopback port: " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("no unused loopback port after 50 attempts");
    }
}
