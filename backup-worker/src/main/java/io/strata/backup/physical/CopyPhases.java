package io.strata.backup.physical;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where a copy's time went, logged with every physical backup: waiting for the parent's block map (loaded
 * beside the checks before the copy) once the base backup was asked for;
 * the base backup's start until its first byte (the server's checkpoint, mostly); the stream; its end until
 * the data object was stored.
 */
record CopyPhases(long parentMs, long startMs, long streamMs, long endMs) {
    CopyPhases withParentMs(long ms) {
        return new CopyPhases(ms, startMs, streamMs, endMs);
    }

    @Override
    public String toString() {
        return "waiting for the parent's map " + parentMs + " ms, checkpoint and start " + startMs + " ms, stream "
                + streamMs + " ms, end " + endMs + " ms";
    }

    /** When a stream's first byte came and when it ended. */
    static final class StreamTimes extends FilterInputStream {
        private long first;
        private long end;

        StreamTimes(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            note(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return note(in.read(b, off, len));
        }

        private int note(int n) {
            if (n > 0 && first == 0) {
                first = System.nanoTime();
            } else if (n < 0 && end == 0) {
                end = System.nanoTime();
            }
            return n;
        }

        /** The phases of a copy that began at {@code start} and whose data object was stored at {@code stored}. */
        CopyPhases phases(long start, long stored) {
            long f = first == 0 ? stored : first;
            long e = end == 0 ? stored : end;
            return new CopyPhases(0, (f - start) / 1_000_000, (e - f) / 1_000_000, (stored - e) / 1_000_000);
        }
    }
}
