package io.strata.wal.streaming;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.model.Lsn;
import java.time.Instant;

/**
 * One source's archiving as {@code GET /internal/v1/wal/{source}} shows it.
 *
 * @param state CONNECTING, STREAMING, RETRYING (after an error, waiting to reconnect) or STOPPED
 * @param running true while WAL is being streamed
 * @param receivedLsn the position right after the last WAL byte received
 * @param archivedLsn the end of the last complete segment stored and confirmed to the slot
 * @param partialLsn the end of the last partial segment stored (not confirmed to the slot)
 * @param lastGap a hole in the archive found when the slot had to be (re)created, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WalStatus(
        String source,
        String slot,
        String state,
        boolean running,
        Integer timeline,
        Long segmentSize,
        Lsn receivedLsn,
        Lsn archivedLsn,
        Lsn partialLsn,
        Instant lastArchivedAt,
        long segmentsArchived,
        String lastError,
        Instant lastErrorAt,
        String lastGap) {}
