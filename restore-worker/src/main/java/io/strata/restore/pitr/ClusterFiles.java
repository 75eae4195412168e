package io.strata.restore.pitr;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
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
 * may put anything there at any time, and a worker running as root must not be made to write, truncate,
 * chown or read a file of root's through a link the user planted). A file is never written in place: a new
 * one is made in a directory of the worker's, given to the user there and renamed over the name, which
 * replaces whatever is there, a link included, without following it ({@link #replace}). A file is read
 * only if it is a regular file with one link, opened with {@code O_NOFOLLOW}, and only while the directory
 * is still the worker's alone ({@link RecoverySettings#of}). Trees are walked relative to open directories
 * ({@link #walk}).
 */
final class ClusterFiles {
    private static final Set<OpenOption> CREATE_NEW =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> WORKER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterFiles() {}

    /** Whether anything (a link included, never followed) is at {@code file}. */
    static boolean exists(Path file) {
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Writes a file's content; {@link #replace} gives it the stream of a file nothing of the user's can reach. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Puts {@code content} at {@code file}, {@code rw-------} and the user's, replacing what was there. */
    static void replace(Path file, byte[] content, OsUser user) throws IOException {
        replace(file, user, out -> out.write(content));
    }

    /**
     * Puts what {@code content} writes at {@code file}, {@code rw-------} and the user's, replacing what was
     * there; if {@code content} throws, nothing changes at {@code file}. The new file is made in a directory
     * of the worker's own inside {@code file}'s (so the rename stays on one filesystem), written and handed to
     * the user there, where nothing of the user's can reach it, and renamed over the name: every step acts
     * relative to an open directory, none through a path the user could change meanwhile (before, the
     * hand-over went by path, and where hard links to others' files are allowed, {@code
     * fs.protected_hardlinks=0}, the user could have slipped a link to a file of root's under it).
     */
    static void replace(Path file, OsUser user, Content content) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path name = file.getFileName();
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path stageName = Path.of(".strata-stage-" + HexFormat.of().formatHex(random));
        Files.createDirectory(directory.resolve(stageName), WORKER_ONLY);
        try (DirectoryStream<Path> opened = Files.newDirectoryStream(directory)) {
            SecureDirectoryStream<Path> parent = secure(opened);
            try (SecureDirectoryStream<Path> stage = parent.newDirectoryStream(stageName, LinkOption.NOFOLLOW_LINKS)) {
                // the user may have swapped the name for a directory of theirs since it was made: refused
                String owner = stage.getFileAttributeView(PosixFileAttributeView.class)
                        .readAttributes()
                        .owner()
                        .getName();
                if (!owner.equals(System.getProperty("user.name"))) {
                    throw new IOException("refusing to write " + file + ": the worker's staging directory there was"
                            + " replaced by one of " + owner + "'s; the directory was tampered with");
                }
                boolean moved = false;
                try {
                    try (OutputStream out =
                            Channels.newOutputStream(stage.newByteChannel(name, CREATE_NEW, OWNER_ONLY))) {
                        content.writeTo(out);
                    }
                    user.give(stage, name);
                    stage.move(name, parent, name);
                    moved = true;
                } finally {
                    if (!moved) {
                        try {
                            stage.deleteFile(name);
                        } catch (NoSuchFileException never) {
                            // not made
                        }
                    }
                }
            } finally {
                try {
                    parent.deleteDirectory(stageName);
                } catch (IOException e) {
                    // moved or filled by the user meanwhile: an empty directory of root's, or theirs, is left
                }
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
