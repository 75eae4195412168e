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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

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
    void nothingIsReadBeforeTheFirstReadAndAReaderThatStopsStopsTheReadingAhead() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        InputStream endless = new InputStream() {
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
        ReadAhead ahead = ReadAhead.of(endless, 64 << 10, 2);
        Thread.sleep(200); // time the reading thread would have had, had it started
        assertThat(reads.get()).isZero();

        assertThat(ahead.read(new byte[100], 0, 100)).isEqualTo(100);
        ahead.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            int before = reads.get();
            Thread.sleep(300);
            return reads.get() == before; // bounded by its chunks, then stopped
        });
        assertThat(ahead.read(new byte[10], 0, 10)).isEqualTo(-1);
    }

    @Test
    void aReaderInterruptedWhileWaitingGetsAnInterruptedIoException() throws Exception {
        InputStream silent = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    Thread.sleep(60_000); // a server that sends nothing
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                return -1;
            }
        };
        try (ReadAhead ahead = ReadAhead.of(silent, 1024, 1)) {
            AtomicReference<Thread> reader = new AtomicReference<>();
            CompletableFuture<Throwable> thrown = CompletableFuture.supplyAsync(() -> {
                reader.set(Thread.currentThread());
                try {
                    ahead.read(new byte[10], 0, 10);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> reader.get() != null);
            Thread.sleep(200);
            reader.get().interrupt();
            assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class);
        }
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
