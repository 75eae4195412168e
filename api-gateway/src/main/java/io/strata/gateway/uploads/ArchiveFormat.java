package io.strata.gateway.uploads;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What an uploaded file is, from its first bytes: the two single-file archive formats {@code pg_restore}
 * reads ({@code pg_dump -Fc}, custom, and {@code pg_dump -Ft}, tar) are taken; everything else is refused
 * with what to upload instead. A plain SQL script is refused on purpose: only {@code psql} runs one, and
 * psql obeys its backslash commands ({@code \!} runs a shell command on the host that restores).
 */
final class ArchiveFormat {
    /** How many leading bytes {@link #detect} needs: a tar header's block. */
    static final int HEAD_BYTES = 512;

    static final String CUSTOM = "custom";
    static final String TAR = "tar";

    private static final byte[] PGDMP = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USTAR = "ustar".getBytes(StandardCharsets.US_ASCII);
    private static final int USTAR_OFFSET = 257;
    private static final String HOW =
            "Upload the file pg_dump wrote with -Fc (custom format, recommended) or -Ft (tar).";

    private ArchiveFormat() {}

    /** The format, or why the file is refused. */
    record Detected(String format, String problem) {
        boolean accepted() {
            return format != null;
        }
    }

    /** Looks at the first {@code length} bytes of the upload ({@code length} < {@link #HEAD_BYTES}: the whole file). */
    static Detected detect(byte[] head, int length) {
        if (length == 0) {
            return refused("The body is empty: send the archive itself as the request body. " + HOW);
        }
        if (startsWith(head, length, PGDMP)) {
            return new Detected(CUSTOM, null);
        }
        if (length >= USTAR_OFFSET + USTAR.length
                && Arrays.equals(head, USTAR_OFFSET, USTAR_OFFSET + USTAR.length, USTAR, 0, USTAR.length)) {
            String first = firstTarName(head);
            if ("toc.dat".equals(first)) {
                return new Detected(TAR, null);
            }
            return refused("This is a tar archive, but not one pg_dump -Ft wrote (its first file is '" + first
                    + "', not toc.dat). A tarred pg_dump directory (-Fd) is not taken: " + HOW);
        }
        if (startsWith(head, length, new byte[] {0x1f, (byte) 0x8b})) {
            return refused("This is a gzip file. Decompress it first (gunzip): a pg_dump -Fc archive is compressed"
                    + " inside already. " + HOW);
        }
        if (startsWith(head, length, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd})) {
            return refused("This is a zstd file. Decompress it first (zstd -d). " + HOW);
        }
        if (startsWith(head, length, "BZh".getBytes(StandardCharsets.US_ASCII))
                || startsWith(head, length, new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0})) {
            return refused("This is a bzip2 or xz file. Decompress it first. " + HOW);
        }
        if (startsWith(head, length, new byte[] {'P', 'K', 3, 4})) {
            return refused("This is a zip file. Unpack it and upload the pg_dump archive inside. " + HOW);
        }
        if (looksLikeText(head, length)) {
            return refused("This looks like a plain SQL script (pg_dump's default -Fp output). Strata does not run"
                    + " uploaded SQL scripts: only psql runs them, and psql obeys backslash commands such as \\!,"
                    + " which runs a shell command on the restoring host. Dump again with -Fc, or load the script"
                    + " into a scratch server and dump that with -Fc. " + HOW);
        }
        return refused("This is not a pg_dump archive (it starts with neither PGDMP nor a tar header). " + HOW);
    }

    private static Detected refused(String problem) {
        return new Detected(null, problem);
    }

    private static boolean startsWith(byte[] head, int length, byte[] magic) {
        return length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }

    /** The first tar entry's name (the NUL-terminated 100 bytes at the start of its header), printable only. */
    private static String firstTarName(byte[] head) {
        int end = 0;
        while (end < 100 && head[end] != 0) {
            end++;
        }
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < end && name.length() < 60; i++) {
            int b = head[i] & 0xff;
            name.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return name.toString();
    }

    /** No NUL and few control bytes in the head: text, as a SQL script is. */
    private static boolean looksLikeText(byte[] head, int length) {
        int control = 0;
        for (int i = 0; i < length; i++) {
            int b = head[i] & 0xff;
            if (b == 0) {
                return false;
            }
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f') {
                control++;
            }
        }
        return control * 100 <= length;
    }
}
