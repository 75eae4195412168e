package io.strata.common.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether only root can rename or replace what is in a directory: the directory and every directory above
 * it belong to root and are not writable by group or others, except that a directory above it with the
 * sticky bit (such as {@code /tmp}) may be, since there nobody can rename another's entries. A process
 * running as root may act by path inside such a directory without anyone leading it elsewhere.
 */
public final class RootOnly {
    private RootOnly() {}

    /** Why {@code dir} (a real path: no links) is not root's alone, or empty when it is. */
    public static Optional<String> whyNot(Path dir) throws IOException {
        Path real = dir.toAbsolutePath();
        for (Path step = real; step != null; step = step.getParent()) {
            int uid = (Integer) Files.getAttribute(step, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(step, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            boolean othersWrite = (mode & 0022) != 0;
            boolean sticky = (mode & 01000) != 0;
            if (uid != 0 || (othersWrite && (step.equals(real) || !sticky))) {
                return Optional.of(
                        step + " belongs to uid " + uid + " with mode " + Integer.toOctalString(mode & 07777));
            }
        }
        return Optional.empty();
    }
}
