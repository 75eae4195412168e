package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

@org.junit.jupiter.api.Timeout(60) // a reader left waiting fails the test, not the build
class ReadAheadTest {

    @Test
    void everyByteArrivesInOrderWhateverTheReadSizes() throws IOException {
        byte[] data = new byte[5 << 20];
        new Random(7).nextBytes(data);
        // a source that hands out odd-sized pieces, as a socket does
        InputStream source = new ByteArrayInputStream(data) {
            private final Random sizes = new Random(3);

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + sizes.nextInt(70_000)));
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ReadAhead ahead = ReadAhead.of(source, 64 << 10, 3)) {
            Random sizes = new Random(5);
            byte[] buffer = new byte[200_000];
            for (int n; (n = ahead.read(buffer, 0, 1 + sizes.nextInt(buffer.length))) >= 0; ) {
                out.write(buffer, 0, n);
            }
            assertThat(ahead.read()).isEqualTo(-1);
        }
        assertThat(out.toByteArray()).isEqualTo(data);
    }

    @Test
    void theReadingThreadLogsWithTheJobOfTheThreadThatStartedIt() throws IOException {
        AtomicReference<String> seen = new AtomicReference<>("never read");
        InputStream source = new InputStream() {
            @Override
            public int read() {
                return -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                seen.set(String.valueOf(MDC.get("jobId")));
                return -1;
            }
        };
        try (MDC.MDCCloseable ignored = MDC.putCloseable("jobId", "job-42");
                ReadAhead ahead = ReadAhead.of(source, 1024, 2)) {
            assertThat(ahead.read(new byte[10], 0, 10)).isEqualTo(-1);
        }
        assertThat(seen.get()).isEqualTo("job-42");
    }

    @Test
    void whatTheSourceThrowsIsThrownAsItIsAfterTheBytesBeforeItAndAgainOnTheNextRead() throws IOException {
        IllegalStateException failure = new IllegalStateException("the job failed: the server stopped sending");
        InputStream source = failingAfter(300_000, failure);
        try (ReadAhead ahead = ReadAhead.of(source, 64 << 10, 2)) {
            long before = 0;
            byte[] buffer = new byte[50_000];
            Throwable thrown = null;
            try {
                for (int n; (n = ahead.read(buffer, 0, buffer.length)) >= 0; ) {
                    before += n;
                }
            } catch (RuntimeException e) {
                thrown = e;
            }
            assertThat(thrown).isSameAs(failure);
            assertThat(before).as("every byte before the failure").isEqualTo(300_000);
            assertThatThrownBy(() -> ahead.read(new byte[10], 0, 10)).isSameAs(failure);
        }
        IOException lost = new IOException("connection reset");
        try (ReadAhead ahead = ReadAhead.of(failingAfter(10, lost), 64 << 10, 2)) {
            assertThatThrownBy(() -> drain(ahead)).isSameAs(lost);
        }
    }

    @Test
    void nothingIsReadBeforeTheFirstReadAndClosingEndsTheReadingThread() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        InputStream endless = endless(reads);
        ReadAhead ahead = ReadAhead.of(endless, 64 << 10, 2);
        Thread.sleep(200); // time the reading thread would have had, had it started
        assertThat(reads.get()).isZero();
        assertThat(ahead.reader).isNull();

        assertThat(ahead.read(new byte[100], 0, 100)).isEqualTo(100);
        Thread reader = ahead.reader;
        assertThat(reader.isAlive()).isTrue(); // waiting for a free buffer
        ahead.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !reader.isAlive());
        assertThatThrownBy(() -> ahead.read(new byte[10], 0, 10)).isInstanceOf(IOException.class);
    }

    @Test
    void aSlowSourcesBytesReachTheWaitingReaderAsTheyComeNotHalfABufferLater() throws Exception {
        // a server sending 10 bytes every 300 ms: half a 1 MiB buffer would take over four hours
        InputStream trickle = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                return Math.min(len, 10);
            }
        };
        try (ReadAhead ahead = ReadAhead.of(trickle, 1 << 20, 2)) {
            long started = System.nanoTime();
            int n = ahead.read(new byte[100], 0, 100);
            assertThat(n).isBetween(10, 100);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void anInterruptDoesNotEndTheReadersWaitTheSourcesFailureDoesAndTheInterruptIsKept() throws Exception {
        CountDownLatch fail = new CountDownLatch(1);
        IOException closedByTheCancel = new IOException("the session was closed");
        InputStream silent = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    fail.await(); // a server that sends nothing until its session is closed
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                throw closedByTheCancel;
            }
        };
        try (ReadAhead ahead = ReadAhead.of(silent, 1024, 1)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flagKept = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    ahead.read(new byte[10], 0, 10);
                } catch (Throwable t) {
                    thrown.set(t);
                }
                flagKept.set(Thread.currentThread().isInterrupted());
            });
            Thread.sleep(200);
            reader.interrupt();
            Thread.sleep(300);
            assertThat(reader.isAlive())
                    .as("still waiting, as a socket read would")
                    .isTrue();
            fail.countDown();
            reader.join(5_000);
            assertThat(thrown.get()).isSameAs(closedByTheCancel);
            assertThat(flagKept.get()).isTrue();
        }
    }

    @Test
    void aReadingThreadThatIsInterruptedStillEndsTheReadersWait() throws Exception {
        InputStream endless = endless(new AtomicInteger());
        try (ReadAhead ahead = ReadAhead.of(endless, 1024, 1)) {
            assertThat(ahead.read(new byte[10], 0, 10)).isEqualTo(10);
            await().atMost(Duration.ofSeconds(5)).until(() -> ahead.reader != null);
            ahead.reader.interrupt(); // waiting for the one buffer the reader holds
            byte[] buffer = new byte[4096];
            assertThatThrownBy(() -> {
                        while (ahead.read(buffer, 0, buffer.length) >= 0) {
                            // the rest of the chunk
                        }
                    })
                    .isInstanceOf(InterruptedIOException.class);
        }
    }

    @Test
    void chunksOfFewerThanTwoBytesAreRefused() {
        assertThatThrownBy(() -> ReadAhead.of(InputStream.nullInputStream(), 1, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A source that never ends and never waits, counting its reads. */
    private static InputStream endless(AtomicInteger reads) {
        return new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                reads.incrementAndGet();
                return len;
            }
        };
    }

    private static InputStream failingAfter(int bytes, Throwable failure) {
        return new InputStream() {
            private int left = bytes;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) {
                    if (failure instanceof IOException io) {
                        throw io;
                    }
                    throw (RuntimeException) failure;
                }
                int n = Math.min(len, left);
                left -= n;
                return n;
            }
        };
    }

    private static long drain(InputStream in) throws IOException {
        long total = 0;
        byte[] buffer = new byte[50_000];
        for (int n; (n = in.read(buffer, 0, buffer.length)) >= 0; ) {
            total += n;
        }
        return total;
    }
}
