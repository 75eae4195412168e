package io.strata.backup.physical;

import io.strata.common.blocks.TarFollower;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.MalformedContentException;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Names the failures of a base backup's one pass over the tar stream by where they come from, so a job does
 * not blame the object store for what the source sent, or free space for a malformed tar:
 *
 * <ul>
 *   <li>what the source sent is not a tar Strata can store ({@link MalformedContentException}: a header
 *       that does not parse, a member that is not a file or a directory, a tablespace's link, a file over
 *       {@code BlockMap.MAX_FILE_BYTES}):
 *       {@code PG_BASEBACKUP_FAILED}, not retryable, since the source would send it again;
 *   <li>the block map could not be written to the worker's temporary directory: {@code INTERNAL},
 *       retryable;
 *   <li>the object store's failures are named where the bytes are written ({@code CompressedUpload});
 *       the stream's own (the session broke, stalled) where it is read ({@code TarSource}).
 * </ul>
 */
final class StreamFailures {
    private StreamFailures() {}

    /** {@code follower}'s reads, a {@link MalformedContentException} thrown as the source's failure. */
    static InputStream refusingMalformed(InputStream follower, SourceConnection source) {
        return new FilterInputStream(follower) {
            @Override
            public int read() throws IOException {
                try {
                    return in.read();
                } catch (MalformedContentException e) {
                    throw malformed(source, e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (MalformedContentException e) {
                    throw malformed(source, e);
                }
            }

            @Override
            public long skip(long n) throws IOException {
                try {
                    return in.skip(n);
                } catch (MalformedContentException e) {
                    throw malformed(source, e);
                }
            }
        };
    }

    /**
     * {@code listener}, its other I/O failures (writing the block map in {@code scratch}, reading the parent's
     * hashes there) thrown as this worker's; a {@link MalformedContentException} passes as it is.
     */
    static TarFollower.Listener localWrites(TarFollower.Listener listener, Path scratch) {
        return new TarFollower.Listener() {
            @Override
            public void member(TarFollower.Member member) throws IOException {
                local(() -> listener.member(member), scratch);
            }

            @Override
            public void data(byte[] bytes, int offset, int length) throws IOException {
                local(() -> listener.data(bytes, offset, length), scratch);
            }

            @Override
            public void memberEnd(TarFollower.Member member) throws IOException {
                local(() -> listener.memberEnd(member), scratch);
            }
        };
    }

    @FunctionalInterface
    private interface Call {
        void run() throws IOException;
    }

    private static void local(Call call, Path scratch) throws MalformedContentException {
        try {
            call.run();
        } catch (MalformedContentException e) {
            throw e;
        } catch (IOException e) {
            throw blockMapFailure(scratch, e);
        }
    }

    static JobFailureException malformed(SourceConnection source, MalformedContentException e) {
        return new JobFailureException(
                FailureCode.PG_BASEBACKUP_FAILED,
                "Source '" + source.name() + "' sent a base backup Strata cannot store: " + e.getMessage()
                        + ". Nothing was kept; the source would send the same again, so this is not retried.",
                false,
                e);
    }

    /** @param where the block map's temporary file, or the directory it is in */
    static JobFailureException blockMapFailure(Path where, IOException e) {
        return new JobFailureException(
                FailureCode.INTERNAL,
                "Could not write the backup's block map or read its parent's hashes (" + where + "): "
                        + e.getMessage()
                        + " (free space in the backup-worker's temporary directory?)",
                true,
                e);
    }
}
