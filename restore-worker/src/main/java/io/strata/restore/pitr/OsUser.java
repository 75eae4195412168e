package io.strata.restore.pitr;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;

/**
 * The operating-system user a restored cluster belongs to. PostgreSQL refuses to run as root, so a worker
 * running as root hands the files to that user and starts PostgreSQL's programs as it with runuser; a
 * worker running as any other user is that user and runs them directly.
 */
final class OsUser {
    private final String name;
    private final boolean switching;
    private static final int WRITE_SECONDS = 10;
    private static final int REMOVE_SECONDS = 300;

    OsUser(String name) {
        this.name = name;
        this.switching = "root".equals(System.getProperty("user.name"));
    }

    String name() {
        return name;
    }

    /** Whether the worker runs as root, and so hands files to the user and runs programs as it. */
    boolean switching() {
        return switching;
    }

    /**
     * Removes everything inside {@code dir}, a directory of the user's, as the user: {@code find -delete}
     * (through runuser when the worker is root), stopped after {@value #REMOVE_SECONDS} s. find neither opens
     * a FIFO nor follows a link, and running as the user it can remove nothing the user could not, so a tree
     * the user changes meanwhile never stalls root or reaches root's files. What it could not remove is left
     * and named in the exception.
     */
    void removeContentsAsUser(Path dir) throws IOException {
        // an absolute path begins with '/': find never reads it as an option or an expression
        runAsUser(
                "removing what " + dir + " holds",
                REMOVE_SECONDS,
                List.of("find", dir.toAbsolutePath().toString(), "-xdev", "-mindepth", "1", "-delete"),
                null);
    }

    /**
     * Runs {@code command} as the user under {@code timeout -s KILL seconds} (inside runuser, so the command
     * itself is killed: killing runuser would leave one stuck on a FIFO behind), from {@code /} (find goes
     * back to where it started, and from a directory the user cannot enter it would exit 1), with {@code
     * input} on its stdin (none: /dev/null). Throws, saying {@code what} failed, unless it exits 0 in time.
     */
    private void runAsUser(String what, int seconds, List<String> command, byte[] input) throws IOException {
        List<String> bounded = new ArrayList<>(List.of("timeout", "-s", "KILL", Integer.toString(seconds)));
        bounded.addAll(command);
        ProcessBuilder builder =
                new ProcessBuilder(command(bounded)).redirectErrorStream(true).directory(new java.io.File("/"));
        if (input == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process process = builder.start();
        io.strata.platform.postgres.ProcessOutput said =
                io.strata.platform.postgres.ProcessOutput.drain(process.getInputStream());
        try {
            if (input != null) {
                try (java.io.OutputStream in = process.getOutputStream()) {
                    in.write(input);
                } catch (IOException broken) {
                    // it ended before taking it all (it could not open its file): its exit and words say why
                }
            }
            if (!process.waitFor(seconds + 5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " as " + name + " did not finish in " + seconds + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted " + what);
        }
        int exit = process.exitValue();
        if (exit == 124 || exit == 137) { // timeout's own exit, and the command killed by it
            throw new IOException(what + " as " + name + " did not finish in " + seconds + " s");
        }
        if (exit != 0) {
            throw new IOException(what + " as " + name + " failed (exit " + exit + "): "
                    + said.tail().strip());
        }
    }

    /** {@code command} prefixed with {@code runuser -u <user> --} when the worker runs as root. */
    List<String> command(List<String> command) {
        List<String> full = new ArrayList<>();
        if (switching) {
            full.addAll(List.of("runuser", "-u", name, "--"));
        }
        full.addAll(command);
        return full;
    }

    /**
     * Sets {@code path}'s permissions and gives it to the user (when the worker runs as root): the path
     * itself, never what a link there points to (a link fails). Done relative to the open parent directory:
     * the JDK's chmod of a path follows a link even when asked not to.
     */
    void own(Path path, String permissions) throws IOException {
        Path absolute = path.toAbsolutePath();
        try (java.nio.file.DirectoryStream<Path> parent = Files.newDirectoryStream(absolute.getParent())) {
            set(ClusterFiles.secure(parent), absolute.getFileName(), permissions, switching ? owner() : null);
        }
    }

    /**
     * Writes {@code content} to {@code file} as the user ({@code dd}, through runuser when the worker is
     * root), for a directory that is already the user's: a link there reaches only what the user may write,
     * and a FIFO stalls only that process, which is stopped after {@value #WRITE_SECONDS} s.
     */
    void writeAsUser(Path file, byte[] content) throws IOException {
        runAsUser(
                "writing " + file,
                WRITE_SECONDS,
                List.of("dd", "of=" + file.toAbsolutePath(), "bs=65536", "status=none"),
                content);
    }

    /**
     * Takes {@code dir}, an existing empty directory of the user's given for a restore, for the worker while
     * it writes there (when the worker runs as root): root's and {@code rwx------}, changed through the
     * directory's own descriptor (opened relative to its parent without following a link), so nothing running
     * as the user can add to it or swap what the worker writes there until {@link #ownTree} hands it back. It
     * is then looked at again: anything the user put there before is refused, never written over.
     *
     * @return whether it was still empty (if not, nothing was changed but its owner and mode), and its mode
     *     before, to give it back with (without write for its group or anything for others, which PostgreSQL
     *     refuses and the restore's check refused: a change since that check is not kept). When it fails
     *     after taking the directory, it gives it back itself.
     */
    Taken takeOver(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        try (java.nio.file.DirectoryStream<Path> parent = Files.newDirectoryStream(absolute.getParent());
                java.nio.file.SecureDirectoryStream<Path> self = ClusterFiles.secure(parent)
                        .newDirectoryStream(absolute.getFileName(), LinkOption.NOFOLLOW_LINKS)) {
            PosixFileAttributeView view = self.getFileAttributeView(PosixFileAttributeView.class);
            java.util.Set<java.nio.file.attribute.PosixFilePermission> kept =
                    java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
            kept.addAll(view.readAttributes().permissions());
            kept.remove(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE);
            kept.removeIf(p -> p.name().startsWith("OTHERS_"));
            String before = PosixFilePermissions.toString(kept);
            if (switching) {
                try {
                    view.setOwner(FileSystems.getDefault()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByName(System.getProperty("user.name")));
                    view.setPermissions(PosixFilePermissions.fromString("rwx------"));
                } catch (IOException | RuntimeException e) {
                    try {
                        view.setPermissions(kept);
                        view.setOwner(owner());
                    } catch (IOException | RuntimeException back) {
                        e.addSuppressed(back);
                    }
                    throw e;
                }
            }
            return new Taken(!self.iterator().hasNext(), before);
        }
    }

    /** What {@link #takeOver} found: whether the directory was still empty, and its mode before. */
    record Taken(boolean empty, String permissions) {}

    /** Gives {@code name} in {@code directory} to the user (when the worker runs as root); a link there fails. */
    void give(java.nio.file.SecureDirectoryStream<Path> directory, Path name) throws IOException {
        if (switching) {
            directory
                    .getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setOwner(owner());
        }
    }

    /**
     * Gives {@code path} itself to the user (when the worker runs as root), never what a link there points to:
     * for files the worker creates in a directory the user owns, where the user may have replaced them.
     */
    void give(Path path) throws IOException {
        if (switching) {
            lchown(path, owner());
        }
    }

    /**
     * Gives every file and directory under {@code root} that is not the user's to the user (when the worker
     * runs as root): what the worker itself wrote while applying a backup chain. Files get {@code rw-------},
     * directories {@code rwx------}, as PostgreSQL keeps them. Each directory is handed over only after
     * everything in it, {@code root} last, and every entry is reached relative to its open parent without
     * following links (links are left alone): the user, who may act on what is already theirs, cannot redirect
     * a change to a file of root's.
     */
    void ownTree(Path root, Path staging) throws IOException {
        if (!switching) {
            return;
        }
        UserPrincipal owner = owner();
        ClusterFiles.walk(root, (parent, name, attributes) -> {
            if (!attributes.isSymbolicLink()
                    && !owner.equals(attributes.owner())
                    && !name.equals(staging)) { // the worker's own staging directory (a random name), kept its
                set(parent, name, attributes.isDirectory() ? "rwx------" : "rw-------", owner);
            }
        });
        if (!owner.equals(Files.getOwner(root, LinkOption.NOFOLLOW_LINKS))) {
            own(root, "rwx------");
        }
    }

    /** Permissions, then owner (when given), of {@code name} in {@code directory}; a link there fails. */
    private static void set(
            java.nio.file.SecureDirectoryStream<Path> directory, Path name, String permissions, UserPrincipal owner)
            throws IOException {
        PosixFileAttributeView view =
                directory.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setPermissions(PosixFilePermissions.fromString(permissions));
        if (owner != null) {
            view.setOwner(owner);
        }
    }

    private UserPrincipal owner() throws IOException {
        return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
    }

    private static void lchown(Path path, UserPrincipal owner) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setOwner(owner);
    }
}
