package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How far the server's history reaches in the WAL this session ships. Once a second the archiver asks the
 * server where its WAL is flushed and what its clock says ({@link Sample}); WAL received up to that position
 * holds every transaction committed by that time. A shipment ending at {@code end} therefore covers the
 * newest sample at or before {@code end}.
 *
 * <p>While the archiver catches up with a backlog (the server wrote on during an outage), its shipments
 * cover no time beyond what was known before: the samples of this session all lie ahead of them. Stamping
 * the upload time instead once let a restore to a second inside an outage stop seconds short of its target
 * and report success.
 */
final class WalCoverage {
    /** More than a day of once-a-second samples waiting means the archiver is hopelessly behind: keep the newest. */
    private static final int MAX_PENDING = 100_000;

    private final Deque<Sample> pending = new ArrayDeque<>();
    private Instant covered;

    /** The server's WAL was flushed to {@code flushed} at {@code at} (its own clock). */
    record Sample(Lsn flushed, Instant at) {}

    void observed(Sample sample) {
        if (pending.size() >= MAX_PENDING) {
            pending.pollFirst();
        }
        pending.addLast(sample);
    }

    /**
     * Until when the server's history is in WAL up to {@code end}; null while unknown in this session.
     * Shipments come in order, so samples they pass are consumed.
     */
    Instant coveredUntil(Lsn end) {
        while (!pending.isEmpty() && pending.peekFirst().flushed().compareTo(end) <= 0) {
            covered = pending.pollFirst().at();
        }
        return covered;
    }
}
