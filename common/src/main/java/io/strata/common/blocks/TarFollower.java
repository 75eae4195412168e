package io.strata.common.blocks;

import io.strata.common.storage.MalformedContentException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Passes a tar stream through unchanged while following its members, and tells a {@link Listener} what
 * goes by: each member's header, its data in the pieces read, and its end. Nothing is buffered beyond one
 * 512-byte header, so it costs one pass over bytes that flow anyway (the stream {@code pg_basebackup -Ft}
 * writes, on its way to the object store or to nowhere).
 *
 * <p>Reads the ustar headers PostgreSQL writes: name (100 bytes, no prefix or pax headers), octal or
 * base-256 size, type flag, mode and link name. The stream must be read to its end for the last member's
 * end to be seen.
 */
public final class TarFollower extends FilterInputStream {
    private static final int BLOCK = 512;

    /** What a tar member is. */
    public enum Type {
        FILE,
        DIRECTORY,
        SYMLINK,
        OTHER
    }

    /** A member's header. */
    public record Member(String name, Type type, int mode, long size, String linkTarget) {}

    /** Told about the members as their bytes pass. Exceptions end the read with them. */
    public interface Listener {
        void member(Member member) throws IOException;

        void data(byte[] bytes, int offset, int length) throws IOException;

        void memberEnd(Member member) throws IOException;

        /** One listener that tells each of {@code listeners}, in order, everything. */
        static Listener all(Listener... listeners) {
            Listener[] each = listeners.clone();
            return new Listener() {
                @Override
                public void member(Member member) throws IOException {
                    for (Listener l : each) {
                        l.member(member);
                    }
                }

                @Override
                public void data(byte[] bytes, int offset, int length) throws IOException {
                    for (Listener l : each) {
                        l.data(bytes, offset, length);
                    }
                }

                @Override
                public void memberEnd(Member member) throws IOException {
                    for (Listener l : each) {
                        l.memberEnd(member);
                    }
                }
            };
        }
    }

    private final Listener listener;
    private final byte[] header = new byte[BLOCK];
    private int headerFilled;
    private Member current;
    private long dataLeft;
    private long padLeft;
    private boolean ended;

    public TarFollower(InputStream in, Listener listener) {
        super(in);
        this.listener = listener;
    }

    /** Whether the two zero blocks that end a tar went by. */
    public boolean ended() {
        return ended;
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

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(n, 64 * 1024)];
        int read = read(buffer, 0, buffer.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void follow(byte[] b, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end && !ended) {
            if (dataLeft > 0) {
                int take = (int) Math.min(dataLeft, end - i);
                listener.data(b, i, take);
                dataLeft -= take;
                i += take;
                if (dataLeft == 0) {
                    finishMember();
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

    private void startMember() throws IOException {
        if (header[0] == 0) {
            ended = true; // the zero blocks that end a tar
            return;
        }
        String name = text(0, 100);
        long size = number(124, 12);
        int mode = (int) number(100, 8);
        Type type = switch (header[156]) {
            case '0', 0, '7' -> Type.FILE;
            case '5' -> Type.DIRECTORY;
            case '2' -> Type.SYMLINK;
            default -> Type.OTHER;
        };
        if (type == Type.DIRECTORY || type == Type.SYMLINK) {
            size = 0;
        }
        current = new Member(name, type, mode, size, type == Type.SYMLINK ? text(157, 100) : null);
        dataLeft = size;
        padLeft = (BLOCK - size % BLOCK) % BLOCK;
        listener.member(current);
        if (size == 0) {
            finishMember();
        }
    }

    private void finishMember() throws IOException {
        Member done = current;
        current = null;
        listener.memberEnd(done);
    }

    private String text(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** An octal field, or a base-256 one (high bit set: sizes of 8 GiB and more); never negative. */
    private long number(int offset, int length) throws MalformedContentException {
        if ((header[offset] & 0x80) != 0) {
            long value = header[offset] & 0x7F;
            for (int i = offset + 1; i < offset + length; i++) {
                if (value >>> 55 != 0) {
                    throw malformed("a base-256 number too large", offset);
                }
                value = value << 8 | (header[i] & 0xFF);
            }
            return value;
        }
        String digits = text(offset, length).trim();
        try {
            long value = digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
            if (value < 0) {
                throw malformed("a negative number", offset);
            }
            return value;
        } catch (NumberFormatException e) {
            throw malformed("'" + digits + "', not an octal number", offset);
        }
    }

    private MalformedContentException malformed(String what, int offset) {
        return new MalformedContentException(
                "the tar header of '" + text(0, 100) + "' has " + what + " at byte " + offset);
    }
}
