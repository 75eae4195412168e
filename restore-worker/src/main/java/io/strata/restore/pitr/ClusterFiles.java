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
    /** The name every staging directory starts with; a hand-over of the tree leaves such a directory alone. */
    static final String STAGE_PREFIX = ".strata-stage-";

    private static final int WORKER_UID = workerUid();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterFiles() {}

    private static int workerUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1; // not Linux: Staging.open refuses, as SecureDirectoryStream is missing there too
        }
    }

    /** Whether anything (a link included, never followed) is at {@code file}. */
    static boolean exists(Path file) {
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Writes a file's content; {@link Staging#replace} gives it the stream of a file nothing of the user's can reach. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * A directory that is, or is about to be, the cluster's user's, opened with a staging directory of the
     * worker's inside it. Both are made and opened while the directory is still the worker's alone ({@link
     * #open}), and then never reached by name again: the user can do anything in the directory later (remove
     * the staging directory, put a link or a FIFO at its name) without redirecting or stalling a write. A
     * file is made in the staging directory, written, handed to the user there, and renamed over its name
     * relative to the open directory, which replaces whatever is there, a link included, without following
     * it (before, the hand-over went by path: where hard links to others' files are allowed, {@code
     * fs.protected_hardlinks=0}, the user could have slipped one to a file of root's under it).
     */
    static final class Staging implements java.io.Closeable {
        private final DirectoryStream<Path> opened;
        private final SecureDirectoryStream<Path> directory;
        private final Path stageName;
        private final SecureDirectoryStream<Path> stage;

        private Staging(
                DirectoryStream<Path> opened,
                SecureDirectoryStream<Path> directory,
                Path stageName,
                SecureDirectoryStream<Path> stage) {
            this.opened = opened;
            this.directory = directory;
            this.stageName = stageName;
            this.stage = stage;
        }

        /**
         * Opens {@code dir}, which must still be the worker's own and no one else's to write (it is checked),
         * and makes its staging directory ({@value #STAGE_PREFIX}..., the worker's, {@code rwxr-xr-x}).
         */
        static Staging open(Path dir) throws IOException {
            Path absolute = dir.toAbsolutePath();
            int uid = (Integer) Files.getAttribute(absolute, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(absolute, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (uid != WORKER_UID || (mode & 0022) != 0 || Files.isSymbolicLink(absolute)) {
                throw new IOException("refusing to stage files in " + absolute + ": it must still be the worker's"
                        + " alone (uid " + WORKER_UID + ", not writable by others), but is uid " + uid + " with mode "
                        + Integer.toOctalString(mode & 07777));
            }
            byte[] random = new byte[8];
            RANDOM.nextBytes(random);
            Path stageName = Path.of(STAGE_PREFIX + HexFormat.of().formatHex(random));
            // rwxr-xr-x: the user may look in (pg_verifybackup walks the data directory as that user) but never
            // add, rename or remove a thing there
            Path made = Files.createDirectory(absolute.resolve(stageName));
            Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxr-xr-x"));
            DirectoryStream<Path> opened = Files.newDirectoryStream(absolute);
            try {
                SecureDirectoryStream<Path> directory = secure(opened);
                return new Staging(
                        opened,
                        directory,
                        stageName,
                        directory.newDirectoryStream(stageName, LinkOption.NOFOLLOW_LINKS));
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
        }

        /** The staging directory's name in its directory (random: a backup cannot hold it by design). */
        Path name() {
            return stageName;
        }

        /** Puts {@code content} at {@code name}, {@code rw-------} and the user's, replacing what was there. */
        void replace(String name, byte[] content, OsUser user) throws IOException {
            replace(name, user, out -> out.write(content));
        }

        /**
         * Puts what {@code content} writes at {@code name}, {@code rw-------} and the user's, replacing what
         * was there; if {@code content} throws, nothing changes at {@code name}.
         */
        void replace(String name, OsUser user, Content content) throws IOException {
            Path file = Path.of(name);
            if (file.getNameCount() != 1 || name.startsWith(".")) {
                throw new IllegalArgumentException("not a plain file name: " + name);
            }
            boolean moved = false;
            try {
                try (OutputStream out = Channels.newOutputStream(stage.newByteChannel(file, CREATE_NEW, OWNER_ONLY))) {
                    content.writeTo(out);
                }
                user.give(stage, file);
                stage.move(file, directory, file);
                moved = true;
            } finally {
                if (!moved) {
                    try {
                        stage.deleteFile(file);
                    } catch (NoSuchFileException never) {
                        // not made
                    }
                }
            }
        }

        /** Removes the file {@code name} of the directory if there is one (a link is removed, never followed). */
        void remove(String name) throws IOException {
            Path file = Path.of(name);
            if (file.getNameCount() != 1 || name.startsWith(".")) {
                throw new IllegalArgumentException("not a plain file name: " + name);
            }
            try {
                directory.deleteFile(file);
            } catch (NoSuchFileException absent) {
                // nothing to remove
            }
        }

        /** Removes the staging directory (if the user moved it, an empty directory of the worker's is left). */
        @Override
        public void close() throws IOException {
            try (opened;
                    stage) {
                directory.deleteDirectory(stageName);
            } catch (java.nio.file.FileSystemException replaced) {
                // gone, or replaced by the user (a file, a FIFO, a directory of theirs with something in it):
                // nothing of the worker's is at that name, and what is there is left alone
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
