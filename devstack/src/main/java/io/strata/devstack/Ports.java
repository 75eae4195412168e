package io.strata.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free TCP ports on the loopback interface, where every dev stack component listens. */
public final class Ports {
    private Ports() {}

    /**
     * A free port below the kernel's ephemeral range, so the local end of some client's connection (Kafka's,
     * JDBC's, HTTP's: they take ports from that range all the time) cannot take it between this check and the
     * component's bind; a stack's service once failed to start with its port "already in use" that way. When
     * none is found there, a port the kernel hands out.
     */
    public static int free() {
        int below = ephemeralLow();
        int from = Math.max(1024, below - 12_000);
        for (int attempt = 0; attempt < 100 && from < below; attempt++) {
            int port = from + RANDOM.nextInt(below - from);
            // never the same port twice in this JVM: two components may ask before either binds
            if (!HANDED_OUT.contains(port) && isFree(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on 127.0.0.1", e);
        }
    }

    /** The first port of Linux's ephemeral range (32768 where it cannot be read). */
    static int ephemeralLow() {
        try {
            // read as a stream: procfs reports a size of 0, and Files.readString gave back a single byte here
            String range;
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                    java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
                range = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            }
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** {@code preferred} when nothing listens there, else a free port. */
    static int preferOrFree(int preferred) {
        return isFree(preferred) ? preferred : free();
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
