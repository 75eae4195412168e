package io.strata.common.wal;

import io.strata.common.model.Lsn;
import java.time.Instant;

/**
 * The wal-archiver's heartbeat for one source, every few seconds while it archives it: how it stands
 * ({@code state}: CONNECTING, STREAMING, RETRYING, STOPPED), how far it received and how far that is
 * durable ({@code lagBytes} between them), and its last error. The catalog turns missing or bad
 * heartbeats into alerts on {@code strata.alerts}; nothing stores them.
 */
public record WalArchivingStatus(
        int schemaVersion,
        String source,
        String state,
        Lsn receivedLsn,
        Lsn durableLsn,
        long lagBytes,
        Instant lastArchivedAt,
        String lastError,
        Instant observedAt)
        implements WalEvent {
    @Override
    public String ceType() {
        return "strata.wal.archiving-status.v1";
    }
}
