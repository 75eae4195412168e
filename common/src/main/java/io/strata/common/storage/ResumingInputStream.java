package io.strata.common.storage;

import io.strata.common.files.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An S3 object's body that survives a connection cut mid-read: on a read error it asks for the rest of the
 * same object (a ranged GET from where it broke, {@code If-Match} its ETag, through the store's retry) and
 * goes on, at most {@link #MAX_RESUMES} times. So a streamed download is not restarted from byte 0, and
 * an object replaced meanwhile fails instead of being spliced.
 */
final class ResumingInputStream extends BulkInputStream {
    static final int MAX_RESUMES = 5;

    /** Opens the object {@code key} at {@code offset}, requiring ETag {@code etag}. */
    @FunctionalInterface
    interface Reopen {
        InputStream from(long offset) throws IOException;
    }

    private final Reopen reopen;
    private InputStream current;
    private long position;
    private int resumes;

    ResumingInputStream(InputStream first, Reopen reopen) {
        this.current = first;
        this.reopen = reopen;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (true) {
            try {
                int n = current.read(b, off, len);
                if (n > 0) {
                    position += n;
                }
                return n;
            } catch (IOException e) {
                if (resumes >= MAX_RESUMES) {
                    throw e;
                }
                resumes++;
                closeQuietly(current);
                current = reopen.from(position);
            }
        }
    }

    /** How many times the body was resumed after a cut. */
    int resumes() {
        return resumes;
    }

    @Override
    public void close() throws IOException {
        current.close();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // a broken connection: nothing more to read from it
        }
    }
}
