package io.strata.common.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads one large object as an ordinary stream while fetching it over several connections at once: the
 * object is cut into chunks, up to {@code parallelism} chunks are fetched ahead with ranged reads, and the
 * stream hands them out in order. Memory is bounded by {@code parallelism × chunkSize}. A chunk whose read
 * fails fails the stream: the store already retried the request and resumed a cut body (one retry layer per
 * remote call).
 */
public final class ParallelDownload extends InputStream {
    private final ObjectStore store;
    private final String key;
    private final long size;
    private final int chunkSize;
    private final int parallelism;
    private final ExecutorService fetchers;
    private final Deque<Future<byte[]>> ahead = new ArrayDeque<>();
    private long nextOffset;
    private byte[] current = new byte[0];
    private int position;
    private boolean closed;
    private IOException failure;

    public ParallelDownload(ObjectStore store, String key, long size, int chunkSize, int parallelism) {
        if (chunkSize <= 0 || parallelism <= 0) {
            throw new IllegalArgumentException("chunkSize and parallelism must be positive");
        }
        this.store = store;
        this.key = key;
        this.size = size;
        this.chunkSize = chunkSize;
        this.parallelism = parallelism;
        this.fetchers = Executors.newFixedThreadPool(
                parallelism,
                Thread.ofPlatform()
                        .name("download-" + key.substring(key.lastIndexOf('/') + 1) + "-", 0)
                        .daemon()
                        .factory());
        fillAhead();
    }

    @Override
    public int read() throws IOException {
        if (!ensureData()) {
            return -1;
        }
        return current[position++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!ensureData()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ahead.forEach(future -> future.cancel(true));
            ahead.clear();
            fetchers.shutdownNow();
        }
    }

    private boolean ensureData() throws IOException {
        if (closed) {
            throw new IOException("download of " + key + " is closed");
        }
        if (failure != null) {
            throw failure; // a chunk that failed is never skipped: every later read fails the same way
        }
        while (position == current.length) {
            Future<byte[]> next = ahead.pollFirst();
            if (next == null) {
                return false;
            }
            try {
                current = await(next);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
            position = 0;
            fillAhead();
        }
        return true;
    }

    private void fillAhead() {
        while (ahead.size() < parallelism && nextOffset < size) {
            long offset = nextOffset;
            int length = (int) Math.min(chunkSize, size - offset);
            nextOffset += length;
            ahead.addLast(fetchers.submit(() -> fetch(offset, length)));
        }
    }

    private byte[] fetch(long offset, int length) throws IOException {
        try (InputStream range = store.openRange(key, offset, length)) {
            byte[] chunk = range.readNBytes(length);
            if (chunk.length != length) {
                throw new IOException("object " + key + " ended after " + (offset + chunk.length) + " bytes; expected "
                        + size + " (changed while being read?)");
            }
            return chunk;
        }
    }

    private static byte[] await(Future<byte[]> chunk) throws IOException {
        try {
            return chunk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while downloading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("download failed: " + e.getCause(), e.getCause());
        }
    }
}
