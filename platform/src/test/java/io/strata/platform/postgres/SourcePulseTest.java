package io.strata.platform.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SourcePulseTest {

    @Test
    void beatsFitTheStallLimitThreeTimesWithinOneToTenSeconds() {
        assertThat(SourcePulse.every(Duration.ofSeconds(300))).isEqualTo(Duration.ofSeconds(10));
        assertThat(SourcePulse.every(Duration.ofSeconds(12))).isEqualTo(Duration.ofSeconds(4));
        assertThat(SourcePulse.every(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aServerThatAcceptsButNeverAnswersGivesNoBeatsSoTheWatchdogStopsTheWork() throws Exception {
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket tarpit = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!tarpit.isClosed()) {
                    try {
                        held.add(tarpit.accept()); // never answers
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            SourceConnection source = new SourceConnection(
                    "stuck", "127.0.0.1", tarpit.getLocalPort(), "db", "u", "p", null, new SourceTimeouts(1, 3), null);
            PgTools pg = new PgTools(
                    new PostgresProperties(Path.of("/usr/lib/postgresql/15/bin")), SourceNetworks.of(List.of()), "t");
            CountDownLatch stopped = new CountDownLatch(1);
            long started = System.nanoTime();
            try (SourcePulse pulse = SourcePulse.start(pg, source, "db", Duration.ofSeconds(1));
                    StallWatchdog watchdog =
                            StallWatchdog.watch(pulse::beats, Duration.ofSeconds(3), stopped::countDown)) {
                assertThat(stopped.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(watchdog.stalled()).isTrue();
                assertThat(pulse.beats()).isZero();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
            assertThat(held).as("the probes did reach the server").isNotEmpty();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
