package io.strata.common.wal;

import io.strata.common.model.Lsn;
import java.time.Instant;

/**
 * A WAL segment (or, with {@code partial}, the part of the current segment up to {@code endLsn}) is
 * durable in the object store under {@code key}. A later complete segment replaces its partials.
 * {@code sha256} and {@code storedBytes} are of the stored (zstd) object; {@code lastCommitTime} is the
 * newest commit timestamp seen in it, when known, for "oldest/newest recoverable time".
 *
 * <p>{@code archivedAt} is when the object was stored. {@code coveredUntil} is how far the server's history
 * reaches in the archive through this object: everything the server had written by that instant is in it
 * or before it. It is null while the archiver catches up with a backlog (after an outage), when the
 * content may be much older than the upload: a point-in-time target is judged reachable by coverage,
 * never by upload time, so a restore cannot silently stop short of its target.
 */
public record WalSegmentArchived(
        int schemaVersion,
        String source,
        int timeline,
        String segment,
        long segmentSize,
        Lsn startLsn,
        Lsn endLsn,
        boolean partial,
        String key,
        long storedBytes,
        String sha256,
        Instant archivedAt,
        Instant coveredUntil)
        implements WalEvent {
    @Override
    public String ceType() {
        return "strata.wal.segment-archived.v1";
    }
}
