package io.strata.backup.physical;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Passes a tar stream through unchanged while following its member headers, and keeps a copy of the
 * one member named {@code backup_manifest}: PostgreSQL's own manifest, which {@code pg_basebackup -D -
 * -Ft} appends to the tar. Only that member is held in memory.
 */
final class TarManifestTap extends FilterInputStream {
    static final String MEMBER = "backup_manifest";
    private static final int BLOCK = 512;
    private static final int MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

    private final byte[] header = new byte[BLOCK];
    private int headerFilled;
    private long dataLeft;
    private long padLeft;
    private boolean ended;
    private ByteArrayOutputStream capture;
    private byte[] manifest;

    TarManifestTap(InputStream in) {
        super(in);
    }

    /** The manifest's bytes, once the stream has passed it. */
    Optional<byte[]> manifest() {
        return Optional.ofNullable(manifest);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            follow(b, off, n);
        }
        return n;
    }

    private void follow(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && !ended) {
            if (dataLeft > 0) {
                int take = (int) Math.min(dataLeft, end - i);
                if (capture != null) {
                    capture.write(b, i, take);
                }
                dataLeft -= take;
                i += take;
                if (dataLeft == 0 && capture != null) {
                    manifest = capture.toByteArray();
                    capture = null;
                }
            } else if (padLeft > 0) {
                int take = (int) Math.min(padLeft, end - i);
                padLeft -= take;
                i += take;
            } else {
                int take = Math.min(BLOCK - headerFilled, end - i);
                System.arraycopy(b, i, header, headerFilled, take);
                headerFilled += take;
                i += take;
                if (headerFilled == BLOCK) {
                    headerFilled = 0;
                    startMember();
                }
            }
        }
    }

    private void startMember() {
        if (header[0] == 0) {
            ended = true; // the two zero blocks that end a tar
            return;
        }
        String name = field(0, 100);
        long size = Long.parseLong(field(124, 12).isEmpty() ? "0" : field(124, 12), 8);
        dataLeft = size;
        padLeft = (BLOCK - size % BLOCK) % BLOCK;
        if (MEMBER.equals(name) && size <= MAX_MANIFEST_BYTES) {
            capture = new ByteArrayOutputStream((int) size);
            if (size == 0) {
                manifest = new byte[0];
                capture = null;
            }
        }
    }

    private String field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII).trim();
    }
}
