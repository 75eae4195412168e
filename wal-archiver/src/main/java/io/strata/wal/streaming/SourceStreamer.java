package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import io.strata.common.wal.SlotNames;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.common.wal.WalTimelineArchived.Switch;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.postgres.PgTools;
import io.strata.wal.streaming.ReplicationSession.ServerIdentity;
import io.strata.wal.streaming.ReplicationSession.SlotState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Streams one source's WAL into the archive on its own thread until stopped. Every failure (source
 * down, slot gone, storage or Kafka unavailable) closes the connections and retries after a
 * growing pause; since the slot is only confirmed for segments that are stored and announced, a retry
 * re-reads from the slot and nothing is lost.
 */
final class SourceStreamer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SourceStreamer.class);
    private static final Duration IDLE_WAIT = Duration.ofMillis(10);
    /** How long a source writes no WAL before its segment's compression context is let go. */
    private static final Duration REST_AFTER = Duration.ofSeconds(10);
    /** How long a stream of an earlier timeline may stay quiet before its end before it is opened again. */
    private static final Duration HISTORIC_SILENCE = Duration.ofSeconds(60);

    private final String source;
    private volatile PGReplicationStream stream;
    private WalCoverage coverage; // of the current session
    private Instant lastData; // when the current session last received WAL
    private final String slot;
    private final CatalogClient catalog;
    private final SegmentShipper shipper;
    private final PgTools pg;
    private final WalProperties properties;
    private final Clock clock;
    private final StreamerState state;
    private final Backoff backoff;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private Thread thread;

    SourceStreamer(
            String source,
            CatalogClient catalog,
            SegmentShipper shipper,
            PgTools pg,
            WalProperties properties,
            Clock clock,
            StreamerState state) {
        this.source = source;
        this.slot = SlotNames.forSource(properties.slotPrefix(), source);
        this.catalog = catalog;
        this.shipper = shipper;
        this.pg = pg;
        this.properties = properties;
        this.clock = clock;
        this.state = state;
        this.backoff = new Backoff(properties.backoff());
    }

    void start() {
        thread = Thread.ofPlatform().name("wal-" + source).daemon().start(this);
    }

    boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    StreamerState state() {
        return state;
    }

    /** Asks the thread to finish: it ships what it holds and closes the stream. */
    void requestStop() {
        stopSignal.countDown();
    }

    /** Asks the thread to finish and waits for it. */
    void stop(Duration grace) throws InterruptedException {
        requestStop();
        if (thread != null && !thread.join(grace)) {
            log.warn("WAL streamer of {} did not stop within {}; interrupting it", source, grace);
            thread.interrupt();
            thread.join(Duration.ofSeconds(5));
        }
    }

    @Override
    public void run() {
        MDC.put("source", source);
        try {
            while (!stopping()) {
                try {
                    streamOnce();
                } catch (Exception e) {
                    if (!stopping()) {
                        retryLater(e);
                    }
                }
            }
        } finally {
            state.stopped();
            log.info("stopped archiving WAL of {}", source);
            MDC.remove("source");
        }
    }

    private void retryLater(Throwable failure) {
        Duration delay = backoff.nextDelay();
        String message = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        state.failed(message, clock.instant());
        log.warn("archiving WAL of {} failed, reconnecting in {}: {}", source, delay, message, failure);
        await(delay);
    }

    private void streamOnce() throws IOException, SQLException {
        state.connecting();
        SourceConnection connection = catalog.sourceConnection(source)
                .orElseThrow(() -> new SourceUnavailableException("the catalog has no connection details for source "
                        + source + "; was it deleted? Switch WAL archiving off for it"));
        shipper.encrypt(connection.encrypt());
        shipper.requireKeys(); // a source that requires encryption is not streamed without a key
        try (ReplicationSession session = ReplicationSession.open(connection, pg)) {
            ServerIdentity server = session.identify();
            long segmentSize = session.segmentSize();
            List<Switch> history = followTimeline(session, server.timeline());
            SlotState slotState = session.ensureSlot(slot);
            // the segment's own timeline: one the server left after the slot's WAL began (a promotion while the
            // archiver was away or behind) is streamed up to its end first, under its own name
            long startSegment = slotState.restartLsn().segmentNumber(segmentSize);
            int timeline = timelineOf(history, startSegment, segmentSize, server.timeline());
            WalSegmentName first = new WalSegmentName(timeline, startSegment, segmentSize);
            if (slotState.created()) {
                reportGap(slotState, first, history);
            }
            // from the segment's first byte, so each archived segment is whole
            PGReplicationStream stream = timeline == server.timeline()
                    ? session.startStreaming(slot, first.startLsn(), properties.statusInterval())
                    : session.startStreaming(slot, first.startLsn(), timeline, properties.statusInterval());
            state.streaming(timeline, segmentSize, first.startLsn());
            log.info(
                    "streaming WAL of {} from {} (segment {}{}) through slot {}; server is at {}",
                    source,
                    first.startLsn(),
                    first,
                    timeline == server.timeline()
                            ? ""
                            : ", up to the end of timeline " + timeline + ", which the server left",
                    slot,
                    server.flushLsn());
            // an earlier timeline's stream ends where the next one branched off: only there is a quiet stream done
            Lsn historicEnd = history.stream()
                    .filter(ended -> ended.timeline() == timeline)
                    .map(Switch::endLsn)
                    .findFirst()
                    .orElse(null);
            try (SegmentAccumulator segments = new SegmentAccumulator(first, properties.spoolDirectory())) {
                pump(session, stream, segments, new WalCoverage(), historicEnd);
            }
        }
    }

    private void pump(
            ReplicationSession session,
            PGReplicationStream stream,
            SegmentAccumulator segments,
            WalCoverage coverage,
            Lsn historicEnd)
            throws IOException, SQLException {
        this.stream = stream;
        this.coverage = coverage;
        this.lastData = clock.instant();
        PartialSchedule partials = new PartialSchedule(properties.partialInterval(), clock);
        Instant nextTimelineCheck = clock.instant().plus(properties.statusInterval());
        Instant nextSample = clock.instant();
        SegmentAccumulator.SegmentSink sink = (segment, content) -> archiveComplete(stream, segment, content, partials);
        while (!stopping()) {
            if (stream.isClosed()) {
                shipPartialIfUnshipped(segments, partials);
                throw new StreamEndedException("the server ended the replication stream at " + segments.position()
                        + " on timeline " + segments.segment().timeline()
                        + ": the source was promoted or restored onto a new timeline, or it is shutting down");
            }
            ByteBuffer data;
            try {
                data = stream.readPending();
            } catch (SQLException e) {
                // The connection broke (a shutting-down source closes it after sending its last WAL): what was
                // received is still worth keeping, so store it as the partial before giving up the session.
                shipPartialQuietly(segments, partials);
                throw e;
            }
            if (!clock.instant().isBefore(nextSample)) {
                session.flushedAt().ifPresent(coverage::observed);
                nextSample = clock.instant().plus(properties.partialInterval());
            }
            if (data != null) {
                // for physical streams the driver reports the end of the chunk it just returned
                Lsn dataStart = new Lsn(stream.getLastReceiveLSN().asLong() - data.remaining());
                segments.accept(dataStart, data, sink);
                state.received(segments.position());
                lastData = clock.instant();
                if (historicEnd != null && segments.position().compareTo(historicEnd) >= 0) {
                    checkTimeline(session, segments, partials, historicEnd); // the earlier timeline is all here
                }
            }
            if (partials.due(segments.segment(), segments.held())) {
                shipPartial(segments, partials);
            }
            if (data == null && !clock.instant().isBefore(nextTimelineCheck)) {
                checkTimeline(session, segments, partials, historicEnd);
                nextTimelineCheck = clock.instant().plus(properties.statusInterval());
            }
            if (data == null) {
                if (!clock.instant().isBefore(lastData.plus(REST_AFTER))
                        && !partials.hasUnshipped(segments.segment(), segments.held())) {
                    rest(segments);
                }
                await(IDLE_WAIT);
            }
        }
        shipPartialIfUnshipped(segments, partials);
    }

    /**
     * A quiet stream may be one whose timeline ended (see ReplicationSession): ask the server. A stream of an
     * earlier timeline ({@code historicEnd}, where it ended) is done once it reached that end, not before: a
     * pause while it catches up is no end.
     */
    private void checkTimeline(
            ReplicationSession session, SegmentAccumulator segments, PartialSchedule partials, Lsn historicEnd)
            throws IOException, SQLException {
        int streamed = segments.segment().timeline();
        if (historicEnd != null) {
            if (segments.position().compareTo(historicEnd) >= 0) {
                shipPartialIfUnshipped(segments, partials);
                throw new StreamEndedException("received timeline " + streamed + " of the source up to its end at "
                        + historicEnd + "; going on with the next timeline");
            }
            if (!clock.instant().isBefore(lastData.plus(HISTORIC_SILENCE))) {
                shipPartialIfUnshipped(segments, partials);
                throw new StreamEndedException("no WAL of timeline " + streamed + " for " + HISTORIC_SILENCE + " at "
                        + segments.position() + ", before its end at " + historicEnd + "; reconnecting");
            }
            return;
        }
        Optional<Integer> current;
        try {
            current = session.currentTimeline();
        } catch (SQLException e) {
            // The query connection is a normal backend: a source shutting down ends it first, while the
            // replication stream still carries its last WAL (the shutdown checkpoint). Keep reading that.
            log.debug("cannot ask {} for its timeline ({}); reading on", source, e.getMessage());
            return;
        }
        if (current.isPresent() && current.get() != streamed) {
            shipPartialIfUnshipped(segments, partials);
            throw new StreamEndedException("timeline " + streamed + " of the source ended at " + segments.position()
                    + " (the source is now on timeline " + current.get() + ": promoted or restored); reconnecting");
        }
    }

    private void archiveComplete(
            PGReplicationStream stream,
            WalSegmentName segment,
            SegmentAccumulator.WalBytes content,
            PartialSchedule partials)
            throws IOException, SQLException {
        WalSegmentArchived event = shipper.shipComplete(segment, content, coverage);
        // only now, with the object stored and the event acknowledged, may the slot let the WAL go
        LogSequenceNumber end = LogSequenceNumber.valueOf(event.endLsn().value());
        stream.setFlushedLSN(end);
        stream.setAppliedLSN(end);
        stream.forceUpdateStatus();
        partials.shipped(segment, content.length());
        state.archived(event);
        backoff.reset();
        log.info("archived WAL segment {} of {} ({} bytes stored)", segment, source, event.storedBytes());
    }

    private void shipPartial(SegmentAccumulator segments, PartialSchedule partials) throws IOException {
        Optional<WalSegmentArchived> shipped = shipper.shipPartial(segments.segment(), segments.heldBytes(), coverage);
        partials.shipped(segments.segment(), segments.held()); // shipped now, or stored already by an earlier session
        if (shipped.isEmpty()) {
            return;
        }
        WalSegmentArchived event = shipped.get();
        state.archived(event);
        backoff.reset();
        confirmPartial(event);
        log.debug("shipped partial WAL segment {} of {} up to {}", segments.segment(), source, event.endLsn());
    }

    /**
     * Confirms a stored partial to the server. Safe: the slot then still holds the whole segment (PostgreSQL
     * removes WAL a segment at a time, and a restart streams from the segment's first byte), and it lets a
     * source that shuts down see its last WAL received, so it stops at once instead of waiting for us.
     */
    private void confirmPartial(WalSegmentArchived event) {
        PGReplicationStream current = stream;
        if (current == null || current.isClosed()) {
            return;
        }
        LogSequenceNumber end = LogSequenceNumber.valueOf(event.endLsn().value());
        current.setFlushedLSN(end);
        current.setAppliedLSN(end);
        try {
            current.forceUpdateStatus();
        } catch (SQLException e) {
            log.debug("could not confirm the partial segment of {} to the server: {}", source, e.toString());
        }
    }

    /** A quiet source holds no compression context; a failure here only costs compressing the segment again. */
    private void rest(SegmentAccumulator segments) {
        try {
            segments.rest();
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "could not end the compressed frame of {}'s segment {}: {}",
                    source,
                    segments.segment(),
                    e.toString());
        }
    }

    private void shipPartialQuietly(SegmentAccumulator segments, PartialSchedule partials) {
        try {
            shipPartialIfUnshipped(segments, partials);
        } catch (IOException | RuntimeException e) {
            log.warn("could not store the received WAL of {} as a partial segment: {}", source, e.toString());
        }
    }

    private void shipPartialIfUnshipped(SegmentAccumulator segments, PartialSchedule partials) throws IOException {
        if (partials.hasUnshipped(segments.segment(), segments.held())) {
            shipPartial(segments, partials);
        }
    }

    /**
     * The timeline whose WAL file holds segment {@code segment}, as recovery reads it: the first in the
     * server's {@code history} that ended in a later segment, else the server's own ({@code current}). The
     * segment a timeline ended in belongs to the next one, whose copy of it holds the old WAL up to the switch.
     */
    static int timelineOf(List<Switch> history, long segment, long segmentSize, int current) {
        for (Switch ended : history) {
            if (segment < ended.endLsn().segmentNumber(segmentSize)) {
                return ended.timeline();
            }
        }
        return current;
    }

    /** Stores and reports the server's timeline's history; returns its entries (none on timeline 1). */
    private List<Switch> followTimeline(ReplicationSession session, int timeline) throws IOException, SQLException {
        Integer previous = state.timeline();
        if (previous != null && previous != timeline) {
            log.warn(
                    "source {} moved from timeline {} to timeline {} (promoted or restored); "
                            + "new segments are archived under timeline {}",
                    source,
                    previous,
                    timeline,
                    timeline);
        }
        if (timeline == 1) {
            return List.of();
        }
        // stored and reported at every start: the catalog plans recovery across it
        Optional<WalTimelineArchived> archived = shipper.shipHistory(timeline, session.timelineHistory(timeline));
        archived.ifPresent(a -> log.info("archived the history of timeline {} of {} as {}", timeline, source, a.key()));
        return archived.map(WalTimelineArchived::history).orElse(List.of());
    }

    /** The newest complete segment the archive holds of a timeline. */
    @FunctionalInterface
    interface ArchivedSegments {
        Optional<WalSegmentName> last(int timeline) throws IOException;
    }

    /**
     * Where the archive's WAL leading up to {@code first} ends, to tell a gap when a slot was made again; null when
     * nothing of the source was archived before (a new source has nothing before its slot to miss).
     *
     * <p>When {@code first}'s timeline branched off in an earlier segment (by the server's {@code history}), the
     * WAL leading to it runs back along the history: that timeline's own segments from the branch on, else its
     * parent's up to the branch, else the grandparent's up to the parent's branch, and so on; the newest archived
     * segment found, or the branch it had to reach, whichever is earlier. An earlier timeline's WAL with higher
     * LSNs (an old server's writes after the point a restored cluster put in its place began from) does not lead
     * there. Otherwise, as on one timeline: what this run archived last ({@code archivedByThisRun}), else the
     * newest segment of {@code first}'s timeline.
     */
    static Lsn archivedLeadingTo(
            WalSegmentName first, List<Switch> history, Lsn archivedByThisRun, ArchivedSegments archive)
            throws IOException {
        Switch branch = branchOf(history, first.timeline());
        if (branch == null || branch.endLsn().segmentNumber(first.segmentSize()) >= first.segmentNumber()) {
            if (archivedByThisRun != null) {
                return archivedByThisRun;
            }
            return archive.last(first.timeline()).map(WalSegmentName::endLsn).orElse(null);
        }
        Optional<WalSegmentName> own = archive.last(first.timeline());
        if (own.isPresent()) {
            return own.get().endLsn();
        }
        // step: a timeline of the path and where the archive had to reach on it (where its child branched off)
        for (Switch step = branch; step != null; step = branchOf(history, step.timeline())) {
            Optional<WalSegmentName> onStep = archive.last(step.timeline());
            if (onStep.isPresent()) {
                Lsn end = onStep.get().endLsn();
                return end.compareTo(step.endLsn()) < 0 ? end : step.endLsn();
            }
            // nothing of it: at best the archive reaches where it began, on its parent (the next step)
        }
        return archivedByThisRun == null ? null : branch.endLsn();
    }

    /**
     * How {@code timeline} branched off its parent by {@code history} (the server's, oldest first: each entry a
     * timeline and where it ended): the entry before its own, or the last entry for the server's own timeline,
     * which has none; null for a timeline with no parent in it.
     */
    static Switch branchOf(List<Switch> history, int timeline) {
        Switch previous = null;
        for (Switch ended : history) {
            if (ended.timeline() == timeline) {
                return previous;
            }
            previous = ended;
        }
        return previous;
    }

    private void reportGap(SlotState slotState, WalSegmentName first, List<Switch> history) {
        Lsn archived;
        try { // a slot is made again rarely: the archive's listings are read each time
            archived = archivedLeadingTo(
                    first,
                    history,
                    state.archivedLsn(),
                    timeline -> shipper.lastArchivedSegment(timeline, first.segmentSize()));
        } catch (IOException e) {
            // the slot exists from now on, so this check is not made again: say that it was not made
            String unchecked = "slot " + slot + " was recreated at " + first.startLsn() + ", and whether WAL before"
                    + " it is missing from the archive could not be checked (" + e.getMessage() + "); take a new"
                    + " base backup if in doubt";
            state.gap(unchecked);
            log.error("WAL GAP possible for {}: {}", source, unchecked);
            return;
        }
        String why = slotState.wasLost() ? "was invalidated by the server (max_slot_wal_keep_size)" : "was missing";
        if (archived != null && archived.compareTo(first.startLsn()) < 0) {
            String gap = "WAL from " + archived + " to " + first.startLsn() + " is missing from the archive: slot "
                    + slot + " " + why + " and was recreated; point-in-time restore into that range is impossible "
                    + "until a new base backup is taken";
            state.gap(gap);
            log.error("WAL GAP for {}: {}", source, gap);
        } else {
            log.info("created replication slot {} for {} at {} (it {})", slot, source, slotState.restartLsn(), why);
        }
    }

    private boolean stopping() {
        return stopSignal.getCount() == 0;
    }

    private void await(Duration duration) {
        try {
            stopSignal.await(duration.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopSignal.countDown();
        }
    }
}
