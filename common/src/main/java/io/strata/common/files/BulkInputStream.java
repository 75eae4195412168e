package io.strata.common.files;

import java.io.IOException;
import java.io.InputStream;

/** A stream read in bulk: its single-byte read goes through its array read. */
public abstract class BulkInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;
}
