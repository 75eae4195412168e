package io.strata.devstack;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dev stack's alert webhook: the catalog POSTs every alert here ({@code STRATA_ALERTS_WEBHOOK_URL}); the
 * stack logs it and keeps the bodies, so the tests can see what a real receiver would get.
 */
public final class AlertReceiver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertReceiver.class);
    private static final int MAX_KEPT = 10_000;
    private final HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();

    private AlertReceiver(HttpServer server) {
        this.server = server;
    }

    static AlertReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AlertReceiver receiver = new AlertReceiver(server);
        server.createContext("/alerts", exchange -> {
            try (exchange) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                String body = new String(exchange.getRequestBody().readNBytes(1 << 20), StandardCharsets.UTF_8);
                if (receiver.received.size() < MAX_KEPT) {
                    receiver.received.add(body);
                }
                log.info("alert webhook received: {}", body);
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.start();
        return receiver;
    }

    /** Where the catalog sends alerts. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/alerts");
    }

    /** Every alert body received so far, oldest first. */
    public List<String> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
