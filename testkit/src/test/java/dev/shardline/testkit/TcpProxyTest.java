package dev.shardline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** TcpProxy against a loopback echo server: delayed bytes arrive intact and in order, and are held back. */
class TcpProxyTest {
    private static ServerSocket echo() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(
                () -> {
                    try (Socket s = server.accept();
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (Exception closed) {
                        // test over
                    }
                },
                "echo");
        t.setDaemon(true);
        t.start();
        return server;
    }

    @Test
    void delay_manyChunks_arriveIntactInOrder() throws Exception {
        try (ServerSocket server = echo();
                TcpProxy proxy = TcpProxy.start(server.getLocalPort())) {
            proxy.delay(Duration.ofMillis(5));
            byte[] sent = new byte[1 << 20];
            new Random(7).nextBytes(sent);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                Thread writer = new Thread(() -> {
                    try {
                        s.getOutputStream().write(sent);
                        s.getOutputStream().flush();
                    } catch (Exception e) {
                        // the read below fails then
                    }
                });
                writer.start();
                byte[] got = new byte[sent.length];
                new DataInputStream(s.getInputStream()).readFully(got);
                writer.join();
                assertThat(got).isEqualTo(sent);
            }
        }
    }

    @Test
    void delay_long_bytesHeldBack() throws Exception {
        try (ServerSocket server = echo();
                TcpProxy proxy = TcpProxy.start(server.getLocalPort())) {
            proxy.delay(Duration.ofHours(1));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                s.setSoTimeout(300);
                s.getOutputStream().write(42);
                s.getOutputStream().flush();
                assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            }
        }
    }
}
