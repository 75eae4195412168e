package io.strata.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.PostgresProperties;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceNetworks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A cancel reaches a job that is still logging in to its source: the login ends, not at its deadline. */
class CancelledLoginTest {

    @Test
    void aCancelEndsALoginToASilentServerAtOnce() throws Exception {
        assertACancelEndsTheLogin(source ->
                ReplicationConnection.open(source, SourceNetworks.of(List.of("127.0.0.1/32")), "strata-test"));
    }

    /**
     * pgjdbc's SQL login too: with a login timeout the driver logs in on a thread of its own and the job's
     * thread waits for it, and that wait ends on the cancel's interrupt (the driver's thread, abandoned, ends
     * at its own connect deadline).
     */
    @Test
    void aCancelEndsAnSqlLoginToASilentServerAtOnce() throws Exception {
        PgTools pg = new PgTools(
                new PostgresProperties(Path.of("/usr/lib/postgresql/15/bin")),
                SourceNetworks.of(List.of("127.0.0.1/32")),
                "strata-test");
        assertACancelEndsTheLogin(source -> pg.connect(source, "postgres").close());
    }

    @FunctionalInterface
    private interface Login {
        void to(SourceConnection source) throws Exception;
    }

    private static void assertACancelEndsTheLogin(Login login) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // accepts, then never answers: the login would wait for its 60 s deadline
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.accept();
                } catch (IOException e) {
                    return null;
                }
            });
            SourceConnection source = new SourceConnection(
                    "test",
                    "127.0.0.1",
                    silent.getLocalPort(),
                    "postgres",
                    "someone",
                    "secret",
                    new SourceTls("disable", null),
                    new SourceTimeouts(60, 60),
                    null);
            try (JobCancellation cancellation = JobCancellation.open()) {
                CompletableFuture.runAsync(
                        cancellation::cancel, CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS));
                long start = System.nanoTime();
                assertThatThrownBy(() -> login.to(source))
                        .isInstanceOfAny(IOException.class, java.sql.SQLException.class);
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(400L, 10_000L);
                assertThat(cancellation.requested()).isTrue();
            } finally {
                Thread.interrupted(); // the cancel interrupts this thread too
                Socket socket = accepted.getNow(null);
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
