package io.strata.wal.streaming;

import io.strata.common.messaging.Topics;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Keeps exactly one streamer per source whose WAL archiving is on: every poll interval it asks the
 * catalog, starts streamers for newly enabled sources, stops those switched off or removed, and
 * replaces any whose thread died. When the catalog cannot be reached the running streamers go on.
 */
@Component
class ArchivingSupervisor implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ArchivingSupervisor.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int SLOT_DROP_LOOKS = 30;
    private final SourceDirectory directory;
    private final StreamerFactory factory;
    private final WalProperties properties;
    private final Map<String, SourceStreamer> streamers = new ConcurrentHashMap<>();
    /** Sources switched off whose slot is still to drop, and how many looks are left for it. */
    private final Map<String, Integer> slotsToDrop = new ConcurrentHashMap<>();

    private volatile ScheduledExecutorService scheduler;
    private final MessagePublisher publisher;
    private final Clock clock;

    ArchivingSupervisor(
            SourceDirectory directory,
            StreamerFactory factory,
            WalProperties properties,
            MessagePublisher publisher,
            Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
        this.directory = directory;
        this.factory = factory;
        this.properties = properties;
    }

    @Override
    public void start() {
        if (!properties.enabled()) {
            log.warn("WAL archiving is disabled (strata.wal.enabled=false): no source is streamed");
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("wal-supervisor").daemon().factory());
        scheduler.scheduleWithFixedDelay(
                this::reconcileQuietly, 0, properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        ScheduledExecutorService running = scheduler;
        scheduler = null;
        if (running != null) {
            running.shutdownNow();
        }
        // all at once, so shutting down takes one grace period rather than one per source
        streamers.values().forEach(SourceStreamer::requestStop);
        for (String source : new ArrayList<>(streamers.keySet())) {
            stopStreamer(source);
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    Optional<WalStatus> status(String source) {
        return Optional.ofNullable(streamers.get(source))
                .map(streamer -> streamer.state().view());
    }

    List<WalStatus> statuses() {
        return streamers.values().stream()
                .map(streamer -> streamer.state().view())
                .toList();
    }

    private void reconcileQuietly() {
        try {
            Map<String, Boolean> sources = directory.sources();
            Set<String> wanted = new java.util.LinkedHashSet<>();
            sources.forEach((name, archived) -> {
                if (archived) {
                    wanted.add(name);
                }
            });
            reconcile(wanted);
            dropSlots(sources);
        } catch (RuntimeException e) {
            log.warn(
                    "cannot read the sources from the catalog, keeping the {} running WAL streamers: {}",
                    streamers.size(),
                    e.getMessage());
        }
        heartbeats();
    }

    /** One {@link WalArchivingStatus} per streamer: the catalog raises alerts from them (or their absence). */
    private void heartbeats() {
        for (SourceStreamer streamer : streamers.values()) {
            try {
                publisher.publish(Topics.WAL_EVENTS, streamer.state().heartbeat(clock.instant()));
            } catch (RuntimeException e) {
                log.debug(
                        "cannot publish the archiving status of {}: {}",
                        streamer.state().view().source(),
                        e.toString());
            }
        }
    }

    void reconcile(Set<String> wanted) {
        for (String source : new ArrayList<>(streamers.keySet())) {
            if (!wanted.contains(source)) {
                log.info("WAL archiving of {} was switched off or the source removed; stopping its streamer", source);
                stopStreamer(source);
                slotsToDrop.put(source, SLOT_DROP_LOOKS);
            } else if (!streamers.get(source).isAlive()) {
                log.error("the WAL streamer of {} died; starting a new one", source);
                stopStreamer(source);
            }
        }
        for (String source : wanted) {
            streamers.computeIfAbsent(source, name -> {
                log.info("starting to archive WAL of {}", name);
                SourceStreamer streamer = factory.create(name);
                streamer.start();
                return streamer;
            });
        }
    }

    /**
     * Drops the slots of sources whose archiving was switched off (their streamers stopped): a slot nobody
     * reads makes the source keep all its WAL, without limit. A source switched on again keeps its slot;
     * one that cannot be reached, or whose walsender still holds the slot, is tried again at the next looks.
     */
    void dropSlots(Map<String, Boolean> sources) {
        for (String source : new ArrayList<>(slotsToDrop.keySet())) {
            if (!Boolean.FALSE.equals(sources.get(source)) || streamers.containsKey(source)) {
                slotsToDrop.remove(source); // switched on again (its streamer owns the slot), or removed
                continue;
            }
            if (factory.dropSlot(source)) {
                slotsToDrop.remove(source);
                log.info("dropped the replication slot of {}: its server no longer keeps WAL for Strata", source);
            } else if (slotsToDrop.merge(source, -1, Integer::sum) <= 0) {
                slotsToDrop.remove(source);
                log.warn(
                        "could not drop the replication slot of {}, whose WAL archiving was switched off: its server"
                                + " keeps all WAL while the slot exists. Drop it there (pg_drop_replication_slot).",
                        source);
            }
        }
    }

    private void stopStreamer(String source) {
        SourceStreamer streamer = streamers.remove(source);
        if (streamer == null) {
            return;
        }
        try {
            streamer.stop(STOP_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streamer.state().unregister();
        }
    }
}
