package io.strata.common.wal;

import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * A timeline's history file ({@code 00000002.history}) is durable in the object store under {@code key}: the
 * source was promoted (a failover) or restored onto {@code timeline}. {@code history} is the file's content
 * as PostgreSQL wrote it, one entry per earlier timeline, oldest first: the timeline and the LSN at which the
 * next one branched off it. Recovery to a point on this timeline from a backup of an earlier one reads that
 * file and, up to each switch point, the earlier timeline's WAL. {@code sha256} and {@code storedBytes} are of
 * the stored (zstd) object.
 */
public record WalTimelineArchived(
        int schemaVersion,
        String source,
        int timeline,
        List<Switch> history,
        String key,
        long storedBytes,
        String sha256,
        Instant archivedAt)
        implements WalEvent {

    /** Timeline {@code timeline} ended at {@code endLsn}, where the next one on this history began. */
    public record Switch(int timeline, Lsn endLsn) {}

    public WalTimelineArchived {
        history = history == null ? null : List.copyOf(history);
    }

    @Override
    public String ceType() {
        return "strata.wal.timeline-archived.v1";
    }
}
