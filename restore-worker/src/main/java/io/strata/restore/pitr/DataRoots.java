package io.strata.restore.pitr;

import io.strata.common.model.FailureCode;
import io.strata.common.model.Names;
import io.strata.platform.jobs.JobFailureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The directories point-in-time restores may write into ({@code strata.restore.pitr.data-roots}). A
 * restore's {@code into.dataDirectory} is a bare name (made in the first root) or an absolute path
 * directly inside a root; its last element must be a plain name ({@link Names#DIRECTORY}). The directory is
 * looked at without following links: it must not exist (the restore makes it) or be an empty directory
 * that already belongs to the cluster's user with no access for others. The worker takes such a directory
 * while it writes there and gives it back as it was ({@link OsUser#takeOver}): its owner and mode end as
 * they began. Roots are operator settings; they must be plain absolute
 * paths, because the fixed restore program's path is under the first one.
 */
final class DataRoots {
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9/._-]*");
    private final List<Path> roots;

    private DataRoots(List<Path> roots) {
        this.roots = roots;
    }

    /**
     * Makes {@code root} and every missing directory above it, each 0755 whatever the umask: the cluster's
     * user must reach its directories, and nobody else may write there (a group-writable parent would be
     * refused at the next start).
     */
    private static void makeMissing(Path root) throws java.io.IOException {
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path at = root;
                at != null && !Files.exists(at, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                at = at.getParent()) {
            missing.push(at);
        }
        while (!missing.isEmpty()) {
            Path next = missing.pop();
            try {
                Files.createDirectory(next);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                continue; // made meanwhile: checked with the rest below
            }
            Files.setPosixFilePermissions(next, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Creates missing roots (0755, and their missing parents too) and resolves links. */
    static DataRoots prepare(List<Path> configured) {
        if (configured == null || configured.isEmpty()) {
            throw new IllegalStateException("strata.restore.pitr.data-roots is empty: name at least one directory"
                    + " point-in-time restores may write into");
        }
        List<Path> roots = new ArrayList<>();
        for (Path root : configured) {
            if (!root.isAbsolute() || !SAFE_PATH.matcher(root.toString()).matches()) {
                throw new IllegalStateException("strata.restore.pitr.data-roots: '" + root + "' must be an absolute"
                        + " path of letters, digits and '/._-'");
            }
            try {
                makeMissing(root);
                Path real = root.toRealPath();
                if (!SAFE_PATH.matcher(real.toString()).matches()) {
                    throw new IllegalStateException("data root " + root + " resolves to " + real
                            + ", which is not a plain path of letters, digits and '/._-'");
                }
                requireOnlyRootCanChange(real);
                roots.add(real);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare data root " + root + ": " + e.getMessage(), e);
            }
        }
        return new DataRoots(List.copyOf(roots));
    }

    /**
     * When the worker runs as root, the root and every directory above it must be root's and not writable
     * by group or others (one with the sticky bit, such as /tmp, may be: nobody can rename another's entries
     * there). Everything the worker does by path in a data root (making a data directory, taking one over,
     * the restore program under the first root) assumes that nobody else can rename or replace those names.
     */
    private static void requireOnlyRootCanChange(Path real) throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return; // the worker has no more rights than the cluster's user: nothing to be led into
        }
        java.util.Optional<String> why = io.strata.common.files.RootOnly.whyNot(real);
        if (why.isPresent()) {
            throw new IllegalStateException("data root " + real + " is not safe for a worker running as root: "
                    + why.get() + "; make it and every directory above it root's and not writable by group or"
                    + " others (chown root, chmod go-w)");
        }
    }

    Path first() {
        return roots.getFirst();
    }

    /** Where {@code requested} points, checked as the class describes; never created here. */
    Target resolve(String requested, String clusterUser) {
        Path path = place(requested);
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return new Target(path, true);
        } catch (IOException e) {
            throw invalid("cannot look at into.dataDirectory " + path + ": " + e.getMessage());
        }
        if (attributes.isSymbolicLink() || !attributes.isDirectory()) {
            throw invalid("into.dataDirectory " + path + " exists and is not a directory (links are not followed);"
                    + " name a new directory");
        }
        requireEmpty(path);
        String owner = attributes.owner().getName();
        Set<PosixFilePermission> perms = attributes.permissions();
        if (!owner.equals(clusterUser)
                || perms.stream().anyMatch(p -> p.name().startsWith("OTHERS_"))
                || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            throw invalid("into.dataDirectory " + path + " exists, owned by " + owner + " with mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "; Strata never changes the"
                    + " owner or mode of a directory it did not make. Name a new directory, or make this one"
                    + " belong to " + clusterUser + " with mode 0700");
        }
        return new Target(path, false);
    }

    private Path place(String requested) {
        if (requested == null || requested.isBlank()) {
            throw invalid("into.dataDirectory is required: a new directory's name, made in " + first());
        }
        if (requested.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw invalid("into.dataDirectory holds a control character");
        }
        if (!requested.contains("/")) {
            requireName(requested);
            return first().resolve(requested);
        }
        Path path = Path.of(requested);
        Path parent = path.getParent();
        if (!path.isAbsolute() || parent == null || !path.normalize().equals(path) || requested.endsWith("/")) {
            throw invalid("into.dataDirectory must be a bare name or an absolute path directly inside a data root ("
                    + describe() + "); got '" + requested + "'");
        }
        requireName(path.getFileName().toString());
        if (!roots.contains(parent) && roots.stream().noneMatch(root -> sameDirectory(root, parent))) {
            throw invalid("into.dataDirectory " + requested + " is outside the data roots restores may write into ("
                    + describe() + "); name a directory directly inside one, or just a name");
        }
        return roots.stream()
                .filter(root -> sameDirectory(root, parent))
                .findFirst()
                .orElseThrow()
                .resolve(path.getFileName());
    }

    private static boolean sameDirectory(Path root, Path parent) {
        try {
            return Files.isSameFile(root, parent);
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireName(String name) {
        if (!Names.isDirectory(name)) {
            throw invalid("into.dataDirectory's name '" + name + "' must be " + Names.DIRECTORY_RULE);
        }
    }

    private static void requireEmpty(Path path) {
        try (Stream<Path> entries = Files.list(path)) {
            if (entries.findAny().isPresent()) {
                throw invalid("into.dataDirectory " + path + " is not empty; a restore never writes over files."
                        + " Name a new or empty directory");
            }
        } catch (IOException e) {
            throw invalid("cannot read into.dataDirectory " + path + ": " + e.getMessage());
        }
    }

    String describe() {
        return String.join(", ", roots.stream().map(Path::toString).toList());
    }

    private static JobFailureException invalid(String message) {
        return new JobFailureException(FailureCode.INVALID_TARGET, message, false);
    }

    /** A checked data directory; {@code create} when the restore must make it. */
    record Target(Path path, boolean create) {}
}
