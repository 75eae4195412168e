package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A source that accepts TCP and never answers (a tarpit) fails its job with SOURCE_TIMEOUT within its
 * deadline, other sources' backups still run, and a closed port reads exactly like the tarpit, so job
 * errors cannot be used to scan ports.
 */
class SourceDeadlinesIT extends StackTestSupport {
    private ServerSocket tarpit;
    private final List<Socket> held = new ArrayList<>();

    @BeforeEach
    void startTarpit() throws IOException {
        tarpit = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!tarpit.isClosed()) {
                try {
                    Socket socket = tarpit.accept(); // accepted, never answered
                    synchronized (held) {
                        held.add(socket);
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stopTarpit() throws IOException {
        tarpit.close();
        synchronized (held) {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aTarpitSourceFailsWithSourceTimeoutAndAnotherSourceIsBackedUpMeanwhile() throws Exception {
        String stuck = register("tarpit", tarpit.getLocalPort());
        String healthy = registerSampleSource(unique("beside_tarpit"), 50);

        String stuckJob = requestBackup(stuck).text("jobId");
        String healthyJob = requestBackup(healthy).text("jobId");

        JsonNode failed = awaitJob(stuckJob);
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.path("error").path("code").asString()).isEqualTo("SOURCE_TIMEOUT");
        assertThat(failed.path("error").path("message").asString())
                .contains("cannot connect to 127.0.0.1:" + tarpit.getLocalPort() + " within 2 s");
        awaitSucceeded(healthyJob);
    }

    @Test
    void aClosedPortAndASilentOneAreReportedAlike() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        String silentSource = register("silent", tarpit.getLocalPort());
        String closedSource = register("closed", closed);

        JsonNode silent = awaitJob(requestBackup(silentSource).text("jobId"));
        JsonNode refused = awaitJob(requestBackup(closedSource).text("jobId"));

        assertThat(refused.path("error").path("code").asString())
                .isEqualTo(silent.path("error").path("code").asString())
                .isEqualTo("SOURCE_TIMEOUT");
        String silentWords =
                silent.path("error").path("message").asString().replace(":" + tarpit.getLocalPort(), ":PORT");
        String refusedWords = refused.path("error").path("message").asString().replace(":" + closed, ":PORT");
        assertThat(refusedWords).isEqualTo(silentWords).doesNotContainIgnoringCase("refused");
    }

    private String register(String prefix, int port) {
        String name = unique(prefix).replace('_', '-');
        Api.Response created = admin.post(
                "/api/v1/sources",
                Map.of(
                        "name", name,
                        "host", "127.0.0.1",
                        "port", port,
                        "database", "shop",
                        "username", "backup",
                        "password", "not-used",
                        "timeouts", Map.of("connectSeconds", 2, "ioSeconds", 10)));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return name;
    }
}
