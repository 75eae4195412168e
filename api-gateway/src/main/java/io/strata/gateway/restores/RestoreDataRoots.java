package io.strata.gateway.restores;

import io.strata.common.model.Names;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.web.TextRules;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The restore-worker's data roots as the gateway knows them ({@code strata.restore.pitr.data-roots}, the
 * same setting): {@code into.dataDirectory} is checked against them before a job exists. Empty means the
 * gateway checks only the shape; the restore-worker always checks again against its own roots, without
 * following links, before it writes anything.
 */
@ConfigurationProperties("strata.restore.pitr")
record RestoreDataRoots(List<Path> dataRoots) {
    private static final String FIELD = "into.dataDirectory";

    RestoreDataRoots {
        dataRoots = dataRoots == null ? List.of() : List.copyOf(dataRoots);
    }

    /** The directory as the job is given it: a bare name, or an absolute path directly inside a root. */
    String check(String dir) {
        if (dir == null || dir.isBlank()) {
            throw refuse("into.dataDirectory is required: the name of a new directory (made in the restore-worker's"
                    + " first data root) or an absolute path directly inside a data root" + listed());
        }
        if (TextRules.firstForbidden(dir, false) >= 0) {
            throw refuse("into.dataDirectory holds a control character (" + TextRules.describe(dir, false) + ")");
        }
        if (!dir.contains("/")) {
            return requireName(dir);
        }
        Path path = Path.of(dir);
        if (!path.isAbsolute()
                || path.getParent() == null
                || !path.normalize().equals(path)
                || dir.endsWith("/")
                || dir.length() > 4096) {
            throw refuse("into.dataDirectory must be a bare name or an absolute path directly inside a data root"
                    + listed() + ", without '.' or '..' steps");
        }
        if (!dataRoots.isEmpty()
                && dataRoots.stream().map(Path::normalize).noneMatch(root -> root.equals(path.getParent()))) {
            throw refuse("into.dataDirectory is outside the directories restores may write into" + listed()
                    + "; name a directory directly inside one, or just a name");
        }
        requireName(path.getFileName().toString());
        return path.toString();
    }

    private String listed() {
        return dataRoots.isEmpty()
                ? ""
                : " ("
                        + String.join(
                                ", ", dataRoots.stream().map(Path::toString).toList()) + ")";
    }

    private static String requireName(String name) {
        if (!Names.isDirectory(name)) {
            throw refuse("into.dataDirectory's last part must be " + Names.DIRECTORY_RULE);
        }
        return name;
    }

    private static ApiException refuse(String detail) {
        return ApiException.badRequest(detail, new FieldProblem(FIELD, detail));
    }
}
