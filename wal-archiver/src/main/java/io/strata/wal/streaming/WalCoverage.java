package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import java.time.Instant;

/**
 * How far the server's history reaches in what this session has received. At the start of a session the
 * server reported its flush position at that instant; everything up to there belongs to history before the
 * start. Later, whenever the stream runs dry at or past that position, everything the server had written is
 * received, so the received position covers the server's history up to that instant.
 *
 * <p>While the archiver catches up with a backlog (the server wrote on during an outage) nothing is known
 * about when the WAL it ships was written: its stamp is null, and the catalog does not count that WAL as
 * reaching any later time. Stamping the upload time instead once let a restore to a second inside an
 * outage stop seconds short of its target and report success.
 */
final class WalCoverage {
    private final Lsn sessionFlush;
    private final Instant sessionStart;
    private Lsn caughtUpLsn;
    private Instant caughtUpAt;

    WalCoverage(Lsn sessionFlush, Instant sessionStart) {
        this.sessionFlush = sessionFlush;
        this.sessionStart = sessionStart;
    }

    /** The stream had nothing more to give at {@code now}, with everything up to {@code position} received. */
    void drained(Lsn position, Instant now) {
        if (position.compareTo(sessionFlush) >= 0) {
            caughtUpLsn = position;
            caughtUpAt = now;
        }
    }

    /** Until when the server's history is covered by WAL up to {@code end}; null when unknown. */
    Instant coveredUntil(Lsn end) {
        if (caughtUpAt != null && end.compareTo(caughtUpLsn) >= 0) {
            return caughtUpAt;
        }
        if (end.compareTo(sessionFlush) >= 0) {
            return sessionStart;
        }
        return null;
    }
}
