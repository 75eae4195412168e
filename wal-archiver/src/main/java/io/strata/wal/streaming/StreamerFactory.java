package io.strata.wal.streaming;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.storage.ObjectStore;
import io.strata.common.wal.SlotNames;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.messaging.MessagePublisher;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Semaphore;
import org.springframework.stereotype.Component;

/** Builds a {@link SourceStreamer} with everything it shares with the other sources' streamers. */
@Component
class StreamerFactory {
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final PgTools pg;
    private final MessagePublisher publisher;
    private final WalProperties properties;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Semaphore uploads;

    StreamerFactory(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pg,
            MessagePublisher publisher,
            WalProperties properties,
            Clock clock,
            MeterRegistry registry) {
        this.catalog = catalog;
        this.store = store;
        this.encryption = encryption;
        this.pg = pg;
        this.publisher = publisher;
        this.properties = properties;
        this.clock = clock;
        this.registry = registry;
        this.uploads = new Semaphore(properties.uploadsAtOnce());
        requireSpool(properties.spoolDirectory());
    }

    /** Fails the start, saying what to set, when the spool directory cannot hold this archiver's files. */
    static void requireSpool(Path directory) {
        try {
            Files.createDirectories(directory);
            WalSpool.open(directory).close();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "the WAL spool directory " + directory + " cannot hold the archiver's files (" + e
                            + "): set strata.wal.spool-directory (STRATA_WAL_SPOOL_DIRECTORY) to a writable"
                            + " directory on a disk with room for three WAL segments per archived source",
                    e);
        }
    }

    /**
     * Drops the replication slot of {@code source}, whose archiving was switched off, so that its server
     * does not keep its WAL from now on. False while a walsender still holds the slot, or when the source
     * cannot be reached or is no longer registered (the caller tries again later).
     */
    boolean dropSlot(String source) {
        java.util.Optional<io.strata.platform.catalog.CatalogApi.SourceConnection> connection =
                catalog.sourceConnection(source);
        if (connection.isEmpty()) {
            return false;
        }
        try {
            return ReplicationSession.dropSlotIfIdle(
                    connection.get(), pg, SlotNames.forSource(properties.slotPrefix(), source));
        } catch (java.sql.SQLException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(StreamerFactory.class)
                    .debug("cannot drop the slot of {} yet: {}", source, e.toString());
            return false;
        }
    }

    SourceStreamer create(String source) {
        StreamerState state = new StreamerState(source, SlotNames.forSource(properties.slotPrefix(), source), registry);
        return new SourceStreamer(
                source,
                catalog,
                new SegmentShipper(source, store, encryption, publisher, clock, properties.spoolDirectory(), uploads),
                pg,
                properties,
                clock,
                state);
    }
}
