package io.strata.devstack;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 proxy in front of the dev stack's S3 API that can inject faults into a share of the
 * requests (every {@code 1/rate}-th): {@code 500} and {@code 503} answers, a connection reset in the
 * middle of a response body, and 2-second stalls, in turn. Off (rate 0) unless a test turns it on with {@link #faultRate(double)}. Requests pass
 * byte for byte (the Host header too, so SigV4 signatures still match); each client connection has its
 * own upstream connection. Counts what it injected, per kind.
 */
public final class S3FaultProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S3FaultProxy.class);
    private static final int MAX_HEAD = 64 * 1024;
    private final URI upstream;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private volatile double rate;
    private volatile boolean closed;
    private static final String[] KINDS = {"500", "503", "reset", "stall"};
    private final AtomicLong counted = new AtomicLong();
    private volatile Hold hold;

    /** Requests whose target contains {@code pathPart} wait at the proxy until the hold is closed (at most 2 min). */
    private record Hold(String pathPart, java.util.concurrent.CountDownLatch released) {}

    private S3FaultProxy(URI upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("s3-fault-proxy").start(this::accept);
    }

    static S3FaultProxy start(URI upstream) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new S3FaultProxy(upstream, server);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The share of requests that get a fault, 0 (none, the default) to 1. */
    public void faultRate(double rate) {
        if (rate < 0 || rate > 1) {
            throw new IllegalArgumentException("a fault rate is between 0 and 1");
        }
        this.rate = rate;
    }

    /** Faults injected so far, by kind ({@code 500}, {@code 503}, {@code reset}, {@code stall}). */
    public Map<String, Long> injected() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        injected.forEach((kind, count) -> copy.put(kind, count.get()));
        return copy;
    }

    /**
     * Holds every request whose target (path and query) contains {@code pathPart} before it reaches S3, until
     * the returned handle is closed: an object store that stops answering for one source, e.g. so that a
     * backup's tool blocks on a full pipe while a test cancels it. A held request waits at most two minutes.
     */
    public AutoCloseable hold(String pathPart) {
        Hold held = new Hold(pathPart, new java.util.concurrent.CountDownLatch(1));
        hold = held;
        return () -> {
            hold = null;
            held.released().countDown();
        };
    }

    /** Requests that went through the proxy so far. */
    public long requests() {
        return requests.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().name("s3-fault-proxy-conn").start(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("S3 fault proxy accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client;
                Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
            InputStream fromClient = new BufferedInputStream(client.getInputStream());
            OutputStream toClient = client.getOutputStream();
            InputStream fromUp = new BufferedInputStream(up.getInputStream());
            OutputStream toUp = up.getOutputStream();
            while (true) {
                byte[] head = readHead(fromClient);
                if (head == null) {
                    return; // the client closed the connection between requests
                }
                requests.incrementAndGet();
                Headers request = Headers.parse(head);
                Hold held = hold;
                if (held != null && request.target().contains(held.pathPart())) {
                    held.released().await(2, java.util.concurrent.TimeUnit.MINUTES);
                }
                String fault = pickFault();
                if (fault != null) {
                    injected.computeIfAbsent(fault, k -> new AtomicLong()).incrementAndGet();
                }
                if ("500".equals(fault) || "503".equals(fault)) {
                    answerError(toClient, fault);
                    return; // the request body is not read: close, so nothing of it is taken as a request
                }
                if ("stall".equals(fault)) {
                    Thread.sleep(2_000);
                }
                toUp.write(head);
                toUp.flush();
                if (request.expectsContinue()) {
                    byte[] interim = readHead(fromUp);
                    if (interim == null) {
                        return;
                    }
                    toClient.write(interim);
                    toClient.flush();
                    if (!Headers.parse(interim).statusLine().contains(" 100 ")) {
                        // refused before the body: the answer is final and has its own body
                        relayBody(Headers.parse(interim), request, fromUp, toClient, false);
                        return;
                    }
                }
                relayRequestBody(request, fromClient, toUp);
                byte[] responseHead = readHead(fromUp);
                if (responseHead == null) {
                    return;
                }
                Headers response = Headers.parse(responseHead);
                toClient.write(responseHead);
                boolean reset = "reset".equals(fault);
                relayBody(response, request, fromUp, toClient, reset);
                if (reset) {
                    client.setSoLinger(true, 0); // RST, as a connection cut mid-body
                    return;
                }
                toClient.flush();
                if (response.closes() || request.closes()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("S3 fault proxy connection ended: {}", e.toString());
        }
    }

    /**
     * Every {@code 1/rate}-th request gets a fault, the kinds taking turns: deterministic, so a test sees each
     * kind once it made a few dozen requests (random choices left whole runs without a stall).
     */
    private String pickFault() {
        double r = rate;
        if (r <= 0) {
            return null;
        }
        long every = Math.max(1, Math.round(1 / r));
        long n = counted.incrementAndGet();
        if (n % every != 0) {
            return null;
        }
        return KINDS[(int) ((n / every - 1) % KINDS.length)];
    }

    private static void answerError(OutputStream toClient, String status) throws IOException {
        String code = status.equals("503") ? "SlowDown" : "InternalError";
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>injected by the dev stack's S3 fault proxy</Message></Error>";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status.equals("503") ? " Slow Down" : " Internal Server Error")
                + "\r\nContent-Type: application/xml\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n";
        toClient.write(head.getBytes(StandardCharsets.ISO_8859_1));
        toClient.write(bytes);
        toClient.flush();
    }

    private static void relayRequestBody(Headers request, InputStream from, OutputStream to) throws IOException {
        if (request.chunked()) {
            copyChunked(from, to, false);
        } else {
            copy(from, to, request.contentLength(), false);
        }
        to.flush();
    }

    /** Relays a response body; with {@code cutHalfway} stops after half of it. */
    private static void relayBody(
            Headers response, Headers request, InputStream from, OutputStream to, boolean cutHalfway)
            throws IOException {
        int status = response.status();
        if (request.method().equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return;
        }
        if (response.chunked()) {
            copyChunked(from, to, cutHalfway);
        } else if (response.contentLength() >= 0) {
            copy(from, to, response.contentLength(), cutHalfway);
        } else {
            from.transferTo(to); // no length: ends with the connection
        }
    }

    private static void copy(InputStream from, OutputStream to, long length, boolean cutHalfway) throws IOException {
        long left = cutHalfway ? length / 2 : length;
        byte[] buffer = new byte[64 * 1024];
        while (left > 0) {
            int n = from.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("upstream ended a body early");
            }
            to.write(buffer, 0, n);
            left -= n;
        }
        if (cutHalfway) {
            to.flush();
        }
    }

    private static void copyChunked(InputStream from, OutputStream to, boolean cutHalfway) throws IOException {
        boolean first = true;
        while (true) {
            String sizeLine = readLine(from);
            long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
            if (cutHalfway && !first) {
                to.flush();
                return;
            }
            to.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (size == 0) {
                String line;
                do {
                    line = readLine(from);
                    to.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                } while (!line.isEmpty());
                return;
            }
            copy(from, to, size, false);
            to.write((readLine(from) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            first = false;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            throw new IOException("connection ended in a chunked body");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads up to and including the blank line after the headers; null at a clean end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = switch (matched) {
                case 0, 2 -> b == '\r' ? matched + 1 : 0;
                case 1, 3 -> b == '\n' ? matched + 1 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
            if (matched == 4) {
                return head.toByteArray();
            }
            if (head.size() > MAX_HEAD) {
                throw new IOException("HTTP head over " + MAX_HEAD + " bytes");
            }
        }
        if (head.size() == 0) {
            return null;
        }
        throw new IOException("connection ended inside an HTTP head");
    }

    /** The parts of an HTTP head the proxy needs. */
    private record Headers(String statusLine, Map<String, String> values) {
        static Headers parse(byte[] head) {
            String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> values = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    values.put(
                            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            return new Headers(lines[0], values);
        }

        String method() {
            return statusLine.split(" ")[0];
        }

        /** A request's target: its path and query. */
        String target() {
            String[] parts = statusLine.split(" ");
            return parts.length > 1 ? parts[1] : "";
        }

        int status() {
            String[] parts = statusLine.split(" ");
            return parts.length > 1 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : 0;
        }

        long contentLength() {
            String value = values.get("content-length");
            return value == null ? (statusLine.startsWith("HTTP/") ? -1 : 0) : Long.parseLong(value);
        }

        boolean chunked() {
            return values.getOrDefault("transfer-encoding", "")
                    .toLowerCase(Locale.ROOT)
                    .contains("chunked");
        }

        boolean expectsContinue() {
            return values.getOrDefault("expect", "").equalsIgnoreCase("100-continue");
        }

        boolean closes() {
            return values.getOrDefault("connection", "").equalsIgnoreCase("close");
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
