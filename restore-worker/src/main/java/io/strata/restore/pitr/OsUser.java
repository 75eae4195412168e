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

    OsUser(String name) {
        this.name = name;
        this.switching = "root".equals(System.getProperty("user.name"));
    }

    String name() {
        return name;
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
     * Takes {@code dir}, an existing empty directory of the user's given for a restore, for the worker while
     * it writes there (when the worker runs as root): root's and {@code rwx------}, changed through the
     * directory's own descriptor (opened relative to its parent without following a link), so nothing running
     * as the user can add to it or swap what the worker writes there until {@link #ownTree} hands it back. It
     * is then looked at again: anything the user put there before is refused, never written over.
     *
     * @return false when it is no longer empty (nothing was changed but its owner and mode)
     */
    boolean takeOver(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        try (java.nio.file.DirectoryStream<Path> parent = Files.newDirectoryStream(absolute.getParent());
                java.nio.file.SecureDirectoryStream<Path> self = ClusterFiles.secure(parent)
                        .newDirectoryStream(absolute.getFileName(), LinkOption.NOFOLLOW_LINKS)) {
            if (switching) {
                PosixFileAttributeView view = self.getFileAttributeView(PosixFileAttributeView.class);
                view.setOwner(FileSystems.getDefault()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByName(System.getProperty("user.name")));
                view.setPermissions(PosixFilePermissions.fromString("rwx------"));
            }
            return !self.iterator().hasNext();
        }
    }

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
    void ownTree(Path root) throws IOException {
        if (!switching) {
            return;
        }
        UserPrincipal owner = owner();
        ClusterFiles.walk(root, (parent, name, attributes) -> {
            if (!attributes.isSymbolicLink() && !owner.equals(attributes.owner())) {
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
