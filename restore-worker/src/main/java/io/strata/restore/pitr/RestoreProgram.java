package io.strata.restore.pitr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one program every restored cluster's {@code restore_command} calls, with PostgreSQL's own
 * {@code %f} and {@code %p} as its only arguments: {@code '<program>' %f %p}. Its text is fixed; nothing of
 * a request is ever written into it or into the command. PostgreSQL runs it in the data directory, so it
 * finds the spool the worker fills as the sibling {@code .<name>.strata-wal}. It answers "not archived"
 * (exit 1) for a segment outside the plan, which is how recovery learns the archive ends, and makes recovery
 * abort (exit 126) when a fetch failed or never came, when the plan cannot be read, or when the segment
 * cannot be copied into {@code pg_wal}, so recovery never stops early at the wrong point. A segment it waits
 * for is announced with a {@code .want} marker, which the worker fetches even outside its window.
 */
final class RestoreProgram {
    static final String DIRECTORY = ".strata-bin";
    static final String NAME = "strata-restore-wal";
    private static final int WAIT_TICKS = 900 * 20; // 15 minutes of 50 ms sleeps

    private static final String TEXT =
            """
            #!/bin/sh
            # restore_command of Strata's point-in-time restores, written by the restore-worker (fixed text).
            # Hands PostgreSQL the WAL the worker fetched ahead. $1 is %%f, $2 is %%p; the working directory is
            # the data directory, and the spool is its sibling ".<name>.strata-wal".
            case "$1" in ''|.*|*[!0-9A-Za-z.]*) echo "strata: refusing WAL file name '$1'" >&2; exit 126 ;; esac
            dir=$(pwd -P) || exit 126
            spool="${dir%%/*}/.${dir##*/}.strata-wal"
            [ -d "$spool" ] || { echo "strata: no WAL spool at $spool" >&2; exit 126; }
            grep -qxF "$1" "$spool/%1$s"
            case $? in
                0) ;;
                1) exit 1 ;;                               # not archived: the end of the WAL recovery may read
                *) echo "strata: cannot read the WAL plan $spool/%1$s" >&2; exit 126 ;;
            esac
            case "$1" in *.history) history=1 ;; *) history= ;; esac  # asked for more than once: kept in the spool
            [ -z "$history" ] && [ -e "$spool/$1.done" ] && exit 1   # handed over already; pg_wal keeps a copy
            # "true", not ":": a failed redirection of a special built-in ends dash with exit 2, "not archived"
            { true > "$spool/$1%4$s"; } 2>/dev/null        # tells the worker which segment recovery waits for
            waited=0
            while [ ! -e "$spool/$1" ]; do
                if [ -e "$spool/%2$s" ]; then cat "$spool/%2$s" >&2; exit 126; fi   # abort: never stop early
                waited=$((waited + 1))
                if [ "$waited" -gt %3$d ]; then echo "strata: gave up waiting for $1" >&2; exit 126; fi
                sleep 0.05
            done
            # any failure from here aborts recovery: exit 1 would tell PostgreSQL the archive ends here
            cp "$spool/$1" "$2" || { echo "strata: could not copy $1 to $2 (is the disk of pg_wal full?)" >&2; exit 126; }
            true > "$spool/$1.done" || { echo "strata: could not mark $1 handed over in $spool" >&2; exit 126; }
            rm -f "$spool/$1%4$s" 2>/dev/null
            [ -n "$history" ] || rm -f "$spool/$1" 2>/dev/null
            exit 0
            """.formatted(WalPrefetcher.PLANNED, WalPrefetcher.FAILED, WAIT_TICKS, WalPrefetcher.WANTED);

    private final Path program;

    private RestoreProgram(Path program) {
        this.program = program;
    }

    /** Writes the program under {@code root} (0755, the directory 0755), replacing any earlier copy. */
    static RestoreProgram install(Path root) {
        try {
            Path dir = root.resolve(DIRECTORY);
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path fresh = Files.createTempFile(dir, NAME, ".new");
            Files.writeString(fresh, TEXT, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path program = dir.resolve(NAME);
            Files.move(fresh, program, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new RestoreProgram(program);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot install the restore program under " + root + ": " + e.getMessage(), e);
        }
    }

    static String text() {
        return TEXT;
    }

    /** The {@code restore_command} value: the fixed program and PostgreSQL's placeholders, nothing else. */
    String command() {
        return "'" + program + "' %f %p";
    }
}
