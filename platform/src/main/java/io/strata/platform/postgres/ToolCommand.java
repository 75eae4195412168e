package io.strata.platform.postgres;

import io.strata.platform.jobs.JobCancellation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PostgreSQL client program ready to start. The password goes into a passfile only the worker can read
 * ({@code PGPASSFILE}, mode 0600, in a 0700 directory), written just before the start and deleted as soon
 * as the program exits: it is never in the environment ({@code /proc/<pid>/environ}) or on a command line.
 */
public final class ToolCommand {
    private final ProcessBuilder builder;
    private final String password;
    private final Path privateDir;

    ToolCommand(ProcessBuilder builder, String password, Path privateDir) {
        this.builder = builder;
        this.password = password;
        this.privateDir = privateDir;
    }

    public ToolCommand redirectInput(ProcessBuilder.Redirect redirect) {
        builder.redirectInput(redirect);
        return this;
    }

    public ToolCommand redirectOutput(ProcessBuilder.Redirect redirect) {
        builder.redirectOutput(redirect);
        return this;
    }

    public ToolCommand redirectErrorStream() {
        builder.redirectErrorStream(true);
        return this;
    }

    public Process start() throws IOException {
        Path passfile = null;
        if (password != null) {
            passfile = PrivateFiles.write(privateDir, "pgpass-", "*:*:*:*:" + escape(password) + "\n");
            builder.environment().put("PGPASSFILE", passfile.toString());
        }
        builder.environment().remove("PGPASSWORD");
        try {
            Process process = builder.start();
            JobCancellation.track(process); // a cancelled job kills the tools it runs
            Path written = passfile;
            if (written != null) {
                process.onExit().whenComplete((ended, error) -> PrivateFiles.deleteQuietly(written));
            }
            return process;
        } catch (IOException | RuntimeException e) {
            if (passfile != null) {
                Files.deleteIfExists(passfile);
            }
            throw e;
        }
    }

    /** libpq's passfile escaping: a backslash or colon in a field is preceded by a backslash. */
    static String escape(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
