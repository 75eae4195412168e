package io.strata.wal.streaming;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.common.wal.WalEvent;
import io.strata.common.wal.WalSegmentArchived;
import java.time.Instant;
import java.util.List;

/**
 * What one streamer has done so far, written by its thread and read by status calls and metrics,
 * hence volatile fields and no locking: each field is a value that stands on its own.
 */
final class StreamerState {
    enum Phase {
        CONNECTING,
        STREAMING,
        RETRYING,
        STOPPED
    }

    private final String source;
    private final String slot;
    private final MeterRegistry registry;
    private final Counter segmentsArchived;
    private final List<Meter> meters;
    private volatile Phase phase = Phase.CONNECTING;
    private volatile Integer timeline;
    private volatile Long segmentSize;
    private volatile Lsn receivedLsn;
    private volatile Lsn archivedLsn;
    private volatile Lsn partialLsn;
    private volatile Instant lastArchivedAt;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile String lastGap;

    StreamerState(String source, String slot, MeterRegistry registry) {
        this.source = source;
        this.slot = slot;
        this.registry = registry;
        this.segmentsArchived = Counter.builder("strata.wal.segments.archived")
                .description("complete WAL segments stored and confirmed to the slot")
                .tag("source", source)
                .register(registry);
        this.meters = List.of(
                segmentsArchived,
                Gauge.builder("strata.wal.received.lsn", this, s -> numeric(s.receivedLsn))
                        .description("WAL position received from the source, as a number")
                        .tag("source", source)
                        .register(registry),
                Gauge.builder("strata.wal.archived.lsn", this, s -> numeric(s.archivedLsn))
                        .description("end of the last archived complete WAL segment, as a number")
                        .tag("source", source)
                        .register(registry));
    }

    private static double numeric(Lsn lsn) {
        return lsn == null ? Double.NaN : (double) lsn.value();
    }

    void connecting() {
        phase = Phase.CONNECTING;
    }

    void streaming(int timeline, long segmentSize, Lsn from) {
        this.timeline = timeline;
        this.segmentSize = segmentSize;
        this.receivedLsn = from;
        this.phase = Phase.STREAMING;
    }

    void received(Lsn position) {
        receivedLsn = position;
    }

    void archived(WalSegmentArchived event) {
        if (event.partial()) {
            partialLsn = event.endLsn();
        } else {
            archivedLsn = event.endLsn();
            segmentsArchived.increment();
        }
        lastArchivedAt = event.archivedAt();
    }

    void failed(String message, Instant at) {
        lastError = message;
        lastErrorAt = at;
        phase = Phase.RETRYING;
    }

    void gap(String description) {
        lastGap = description;
    }

    void stopped() {
        phase = Phase.STOPPED;
    }

    Lsn archivedLsn() {
        return archivedLsn;
    }

    Integer timeline() {
        return timeline;
    }

    /** Takes this source's meters out of the registry once its streamer is gone. */
    void unregister() {
        meters.forEach(registry::remove);
    }

    /** The heartbeat the catalog's alerts read; lag is what was received but is not durable yet. */
    WalArchivingStatus heartbeat(Instant now) {
        Lsn durable = archivedLsn;
        if (partialLsn != null && (durable == null || partialLsn.compareTo(durable) > 0)) {
            durable = partialLsn;
        }
        long lag = receivedLsn == null || durable == null ? 0 : Math.max(0, receivedLsn.value() - durable.value());
        return new WalArchivingStatus(
                WalEvent.SCHEMA_VERSION,
                source,
                phase.name(),
                receivedLsn,
                durable,
                lag,
                lastArchivedAt,
                lastError,
                now);
    }

    WalStatus view() {
        return new WalStatus(
                source,
                slot,
                phase.name(),
                phase == Phase.STREAMING,
                timeline,
                segmentSize,
                receivedLsn,
                archivedLsn,
                partialLsn,
                lastArchivedAt,
                (long) segmentsArchived.count(),
                lastError,
                lastErrorAt,
                lastGap);
    }
}
