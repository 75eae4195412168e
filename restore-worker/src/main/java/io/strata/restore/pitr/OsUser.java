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

    /** Gives {@code path} to the user (when the worker runs as root) and sets its permissions. */
    void own(Path path, String permissions) throws IOException {
        give(path);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }

    /**
     * Gives {@code path} itself to the user (when the worker runs as root), never what a link there points to:
     * for files the worker creates in a directory the user owns, where the user may have replaced them.
     */
    void give(Path path) throws IOException {
        if (switching) {
            lchown(
                    path,
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name));
        }
    }

    /**
     * Gives every file and directory under {@code root} that is not the user's to the user (when the worker
     * runs as root): what the worker itself wrote while applying a backup chain. Files get {@code rw-------},
     * directories {@code rwx------}, as PostgreSQL keeps them.
     */
    void ownTree(Path root) throws IOException {
        if (!switching) {
            return;
        }
        UserPrincipal owner =
                FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (!Files.isSymbolicLink(path) && !owner.equals(Files.getOwner(path, LinkOption.NOFOLLOW_LINKS))) {
                    lchown(path, owner); // the link itself, should one replace the file after the look above
                    Files.setPosixFilePermissions(
                            path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwx------" : "rw-------"));
                }
            }
        }
    }

    private static void lchown(Path path, UserPrincipal owner) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setOwner(owner);
    }
}
