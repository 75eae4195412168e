package io.strata.restore.pitr;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Files the worker writes into a directory its cluster's user owns (a restored data directory: the user
 * may put anything there at any time, and a worker running as root must not be made to write, truncate
 * or read a file of root's through a link the user planted). A file is never written in place: a new one
 * is made beside it ({@code O_CREAT|O_EXCL|O_NOFOLLOW}), given to the user, and renamed over the name,
 * which replaces whatever is there, a link included, without following it. A file is read only if it is
 * a regular file with one link, opened with {@code O_NOFOLLOW}.
 */
final class ClusterFiles {
    private static final Set<OpenOption> CREATE_NEW =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterFiles() {}

    /** Whether anything (a link included, never followed) is at {@code file}. */
    static boolean exists(Path file) {
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Puts {@code content} at {@code file}, {@code rw-------} and the user's, replacing what was there. */
    static void replace(Path file, byte[] content, OsUser user) throws IOException {
        byte[] name = new byte[8];
        RANDOM.nextBytes(name);
        Path fresh = file.resolveSibling(
                "." + file.getFileName() + ".strata-" + HexFormat.of().formatHex(name));
        boolean moved = false;
        try {
            try (OutputStream out =
                    java.nio.channels.Channels.newOutputStream(Files.newByteChannel(fresh, CREATE_NEW, OWNER_ONLY))) {
                out.write(content);
            }
            user.give(fresh);
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(fresh);
            }
        }
    }

    /** {@code file}'s bytes; refused unless it is a regular file with a single link. */
    static byte[] read(Path file) throws IOException {
        BasicFileAttributes attributes =
                Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile() || !Integer.valueOf(1).equals(links)) {
            throw new IOException("refusing to read " + file + ": it is not a plain file of the cluster's own"
                    + " (a link, or a file with other names); the data directory was tampered with");
        }
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readAllBytes();
        }
    }

    /** Appends {@code text} to {@code file} (made when missing) by replacing it with its bytes and the text. */
    static void append(Path file, String text, OsUser user) throws IOException {
        byte[] before = exists(file) ? read(file) : new byte[0];
        byte[] added = text.getBytes(StandardCharsets.UTF_8);
        byte[] after = new byte[before.length + added.length];
        System.arraycopy(before, 0, after, 0, before.length);
        System.arraycopy(added, 0, after, before.length, added.length);
        replace(file, after, user);
    }

    /** Appends each line and a newline, as {@code Files.write(file, lines, APPEND)} did. */
    static void appendLines(Path file, List<String> lines, OsUser user) throws IOException {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        append(file, text.toString(), user);
    }

    /** {@code file}'s lines, read as {@link #read} does. */
    static List<String> readLines(Path file) throws IOException {
        return new String(read(file), StandardCharsets.UTF_8).lines().toList();
    }
}
