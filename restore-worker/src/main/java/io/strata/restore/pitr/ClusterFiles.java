package io.strata.restore.pitr;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
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

    /** {@code file}'s lines, read as {@link #read} does; bytes that are not UTF-8 fail, as they did before. */
    static List<String> readLines(Path file) throws IOException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(read(file)))
                .toString()
                .lines()
                .toList();
    }

    /** What {@link #walk} does to one entry, relative to its open parent directory. */
    @FunctionalInterface
    interface EntryAction {
        void apply(SecureDirectoryStream<Path> parent, Path name, PosixFileAttributes attributes) throws IOException;
    }

    /**
     * Walks the tree under {@code root} (not {@code root} itself), each directory's entries before the
     * directory: the action gets every entry, a link included (its attributes are the link's own). Every
     * entry is reached relative to its open parent and a directory is opened without following links, so a
     * user who swaps a directory for a link while the walk runs cannot lead it out of the tree. An entry that
     * vanished meanwhile is skipped; one that fails does not stop the walk, which throws the first failure
     * (the others suppressed in it) at its end.
     */
    static void walk(Path root, EntryAction action) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            walk(secure(entries), action);
        }
    }

    private static void walk(SecureDirectoryStream<Path> directory, EntryAction action) throws IOException {
        List<Path> names = new ArrayList<>();
        for (Path entry : directory) {
            names.add(entry.getFileName());
        }
        IOException failed = null;
        for (Path name : names) {
            try {
                PosixFileAttributes attributes = directory
                        .getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAttributes();
                if (attributes.isDirectory()) {
                    // a directory swapped for a link since the look above fails here
                    try (SecureDirectoryStream<Path> child =
                            directory.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                        walk(child, action);
                    }
                }
                action.apply(directory, name, attributes);
            } catch (NoSuchFileException gone) {
                // removed meanwhile (by the cluster's server, as it stopped)
            } catch (IOException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** The stream as one that acts relative to its open directory; Linux has it, some platforms do not. */
    static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        throw new IOException("this platform cannot change files relative to an open directory (no"
                + " SecureDirectoryStream): the restore-worker needs Linux");
    }
}
