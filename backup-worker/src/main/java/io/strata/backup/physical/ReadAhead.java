package io.strata.backup.physical;

import io.strata.common.files.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;

/**
 * Reads a source on a thread of its own, up to {@code chunks} chunks ahead of the reader, so that the server keeps
 * sending while the reader hashes, packs and compresses what came before. Without it the two took turns: measured
 * on a 7.5 GB cluster (bench/reports/2026-12-05-backup-chains-scale-500.txt), the reading thread waited for the
 * server's next bytes in a quarter of the samples while the server's sender idled for lack of room in the socket.
 *
 * <p>Whatever the source throws (an {@link IOException}, or the {@code JobFailureException} a {@link TarSource}
 * stream throws) is thrown, as it is, by the read that reaches it, and by every read after. A reader waits as it
 * waited in the socket: an interrupt does not end the wait (a cancelled or stalled job's session is closed, and
 * what that does to the reading arrives here), and is kept. A waiting reader is handed what was read at once, so
 * a slow server's bytes reach the stall watchdog as they come. Hand-written rather
 * than Commons IO's {@code ReadAheadInputStream}, which wraps unchecked exceptions in an {@link IOException} and so
 * would change how a failed backup is reported. Memory: {@code chunks} buffers of {@code chunkBytes}.
 */
final class ReadAhead extends BulkInputStream {
    static final int CHUNK_BYTES = 1 << 20;
    static final int CHUNKS = 8;

    private record Chunk(byte[] bytes, int length) {}

    private static final Chunk END = new Chunk(new byte[0], -1);
    private static final long POLL_MS = 100;

    private final InputStream source;
    private final BlockingQueue<Object> ready; // a Chunk, END, or a Throwable
    private final BlockingQueue<byte[]> spare;
    private volatile boolean closed;
    private volatile boolean readerWaiting;
    /** The reading thread, once started (for tests). */
    volatile Thread reader;

    private Chunk current;

    private int at;
    private Throwable failed;
    private boolean ended;
    private boolean started;

    private ReadAhead(InputStream source, int chunkBytes, int chunks) {
        if (chunkBytes < 2 || chunks < 1) {
            throw new IllegalArgumentException("chunks of " + chunkBytes + " bytes, " + chunks + " of them");
        }
        this.source = source;
        this.ready = new ArrayBlockingQueue<>(chunks + 1);
        this.spare = new ArrayBlockingQueue<>(chunks);
        for (int i = 0; i < chunks; i++) {
            spare.add(new byte[chunkBytes]);
        }
    }

    /**
     * Reads {@code source} ahead from the first read on (not before: the first read of a base backup's stream
     * sends its command, and the caller registers for its events first).
     */
    static ReadAhead of(InputStream source) {
        return of(source, CHUNK_BYTES, CHUNKS);
    }

    static ReadAhead of(InputStream source, int chunkBytes, int chunks) {
        return new ReadAhead(source, chunkBytes, chunks);
    }

    /**
     * The reading thread. However it ends, its last item is the end or what ended it: the queue always has room
     * for that one (it holds at most one chunk per buffer, and one more), so a reader never waits for nothing.
     */
    private void fill(Map<String, String> logContext) {
        if (logContext != null) {
            MDC.setContextMap(logContext); // the job's id on what the session logs from here (the server's notices)
        }
        Object last = END;
        try {
            boolean done = false;
            while (!closed && !done) {
                byte[] buffer = spare.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (buffer == null) {
                    continue; // the reader is behind: wait for a buffer it is done with
                }
                // up to half a buffer per chunk (fewer hand-overs) while the reader is busy; what was read goes at
                // once when the reader waits, so a slow server's bytes reach it (and the stall watchdog) as they come
                int n = 0;
                try {
                    while (n < buffer.length / 2 && (n == 0 || !readerWaiting)) {
                        int read = source.read(buffer, n, buffer.length - n);
                        if (read < 0) {
                            done = true;
                            break;
                        }
                        n += read;
                    }
                } catch (Throwable t) {
                    last = t; // after the bytes read before it
                    done = true;
                }
                if (n > 0) {
                    put(new Chunk(buffer, n));
                } else {
                    spare.offer(buffer);
                }
            }
        } catch (InterruptedException e) {
            InterruptedIOException interrupted = new InterruptedIOException("the reading ahead was interrupted");
            interrupted.initCause(e);
            last = interrupted;
        } catch (Throwable t) {
            last = t;
        } finally {
            if (!closed) {
                ready.offer(last); // never full for this one: see above
            }
        }
    }

    private void put(Object item) throws InterruptedException {
        while (!closed) {
            if (ready.offer(item, POLL_MS, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (closed) {
            throw new IOException("read after the stream was closed");
        }
        if (!started) {
            started = true;
            Map<String, String> logContext = MDC.getCopyOfContextMap();
            reader = Thread.ofPlatform().daemon().name("base-backup-read-ahead").start(() -> fill(logContext));
        }
        while (true) {
            if (current != null && at < current.length()) {
                int n = Math.min(len, current.length() - at);
                System.arraycopy(current.bytes(), at, b, off, n);
                at += n;
                return n;
            }
            if (current != null) {
                spare.offer(current.bytes());
                current = null;
            }
            if (failed != null) {
                throw rethrow(failed);
            }
            if (ended || closed) {
                return -1;
            }
            Object item = next();
            if (item == END) {
                ended = true;
            } else if (item instanceof Chunk chunk) {
                current = chunk;
                at = 0;
            } else {
                failed = (Throwable) item;
            }
        }
    }

    /**
     * The next item, waited for as a socket read waits: an interrupt does not end the wait (a cancelled or stalled
     * job's session is closed, and what that does to the reading comes through the queue), and is kept for later.
     */
    private Object next() {
        boolean interrupted = false;
        readerWaiting = true;
        try {
            while (true) {
                try {
                    Object item = ready.poll(POLL_MS, TimeUnit.MILLISECONDS);
                    if (item != null) {
                        return item;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            readerWaiting = false;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static IOException rethrow(Throwable failure) {
        if (failure instanceof IOException io) {
            return io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new IOException(failure);
    }

    /** Stops reading ahead; the source itself is closed by whoever owns it (closing it ends a blocked read). */
    @Override
    public void close() {
        closed = true;
        ready.clear();
    }
}
