package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.Zstd;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.model.Lsn;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.wal.SlotNames;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.PostgresProperties;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.testing.ThrowawayPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streams from a real PostgreSQL 15 and compares what lands in the archive with the server's own files. */
class WalStreamingIT {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final WalProperties PROPERTIES = new WalProperties(
            true,
            Duration.ofSeconds(5),
            Duration.ofSeconds(1),
            Duration.ofSeconds(10),
            "strata_",
            new WalProperties.Backoff(Duration.ofMillis(200), Duration.ofSeconds(2)),
            Path.of(System.getProperty("java.io.tmpdir")),
            4);
    private static ThrowawayPostgres postgres;

    @TempDir
    static Path base;

    @TempDir
    Path archive;

    private final RecordingPublisher publisher = new RecordingPublisher();

    @BeforeAll
    static void startPostgres() throws Exception {
        // wal_keep_size keeps the server's own segment files around to compare against
        postgres = ThrowawayPostgres.start(base, "wal_keep_size = '2GB'");
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void archivesCompleteSegmentsByteForByteAndConfirmsThemToTheSlot() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        SourceStreamer streamer = streamer("it-bytes", store);
        streamer.start();
        try {
            awaitStreaming(streamer);
            postgres.execute(
                    "create table bytes as select g, md5(g::text) from generate_series(1, 200000) g",
                    "select pg_switch_wal()");

            await().atMost(PATIENCE).until(() -> complete().size() >= 2);
            for (WalSegmentArchived event : complete()) {
                byte[] archived = Zstd.decompress(store.readAll(event.key()), (int) event.segmentSize());
                assertThat(archived)
                        .as(event.segment())
                        .hasSize((int) event.segmentSize())
                        .isEqualTo(Files.readAllBytes(
                                postgres.dataDir().resolve("pg_wal").resolve(event.segment())));
                assertThat(event.sha256()).isEqualTo(SegmentShipper.sha256Hex(store.readAll(event.key())));
            }
            Lsn lastArchived = complete().getLast().endLsn();
            await().atMost(PATIENCE)
                    .until(() -> slotRestartLsn("strata_it_bytes").compareTo(lastArchived) >= 0);
            assertThat(streamer.state().view().archivedLsn()).isGreaterThanOrEqualTo(lastArchived);
        } finally {
            streamer.stop(Duration.ofSeconds(20));
        }
    }

    @Test
    void shipsTheGrowingSegmentAsAPartialThatMatchesTheServersFile() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        SourceStreamer streamer = streamer("it-partial", store);
        streamer.start();
        try {
            awaitStreaming(streamer);
            postgres.execute("create table partial_rows as select g from generate_series(1, 1000) g");

            await().atMost(PATIENCE).until(() -> events().stream().anyMatch(WalSegmentArchived::partial));
            WalSegmentArchived partial = events().stream()
                    .filter(WalSegmentArchived::partial)
                    .findFirst()
                    .orElseThrow();
            int length = (int) (partial.endLsn().value() - partial.startLsn().value());
            byte[] archived = Zstd.decompress(store.readAll(partial.key()), length);
            byte[] server =
                    Files.readAllBytes(postgres.dataDir().resolve("pg_wal").resolve(partial.segment()));
            assertThat(archived).isEqualTo(Arrays.copyOf(server, length));
            assertThat(partial.key()).endsWith(partial.segment() + ".partial.zst");
        } finally {
            streamer.stop(Duration.ofSeconds(20));
        }
    }

    /**
     * The server may end the archiver's query connection while the stream goes on (pg_terminate_backend,
     * DROP DATABASE ... WITH (FORCE)): it is opened again, so the archive's time coverage, read over it,
     * keeps advancing instead of freezing at the moment it was ended.
     */
    @Test
    void reopensTheQueryConnectionTheServerEndedSoCoverageKeepsAdvancing() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        SourceStreamer streamer = streamer("it-requery", store);
        streamer.start();
        try {
            awaitStreaming(streamer);
            int ended = archiverQueryBackend();
            assertThat(ended)
                    .as("the archiver's query connection before it is ended")
                    .isPositive();
            postgres.execute("select pg_terminate_backend(" + ended + ")");
            java.time.Instant endedAt = java.time.Instant.now();
            // the next coverage sample (one a second) fails on the ended connection; the one after opens another
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int now = archiverQueryBackend();
                return now != 0 && now != ended;
            });
            postgres.execute("create table requery as select g from generate_series(1, 10000) g");
            Lsn written = currentLsn();
            postgres.execute("select pg_switch_wal()");

            // the segment holding that write, not one the stream completed before the connection was ended
            WalSegmentArchived holding = await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> complete().stream()
                                    .filter(e -> e.endLsn().compareTo(written) >= 0)
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            assertThat(holding.coveredUntil())
                    .as(
                            "the time coverage of %s, after the query connection was ended at %s",
                            holding.segment(), endedAt)
                    .isAfter(endedAt);
        } finally {
            streamer.stop(Duration.ofSeconds(20));
        }
    }

    @Test
    void resumesFromTheSlotAfterARestartWithoutAGap() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        SourceStreamer first = streamer("it-resume", store);
        first.start();
        awaitStreaming(first);
        postgres.execute(
                "create table resume_a as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
        await().atMost(PATIENCE).until(() -> !complete().isEmpty());
        first.stop(Duration.ofSeconds(20));

        // WAL moves on while nobody streams; the slot holds it
        postgres.execute(
                "create table resume_b as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
        postgres.execute(
                "create table resume_c as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
        int before = complete().size();
        SourceStreamer second = streamer("it-resume", store);
        second.start();
        try {
            await().atMost(PATIENCE).until(() -> complete().size() >= before + 2);
            List<Long> numbers = complete().stream()
                    .map(e -> e.startLsn().segmentNumber(e.segmentSize()))
                    .toList();
            for (int i = 1; i < numbers.size(); i++) {
                assertThat(numbers.get(i))
                        .as("segment after %s", numbers.get(i - 1))
                        .isEqualTo(numbers.get(i - 1) + 1);
            }
            assertThat(second.state().view().lastGap()).isNull();
        } finally {
            second.stop(Duration.ofSeconds(20));
        }
    }

    @Test
    void reportsAGapWhenTheSlotWasDroppedWhileTheArchiverWasAway() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        SourceStreamer first = streamer("it-gap", store);
        first.start();
        awaitStreaming(first);
        postgres.execute("create table gap_a as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
        await().atMost(PATIENCE).until(() -> !complete().isEmpty());
        first.stop(Duration.ofSeconds(20));

        postgres.execute("select pg_drop_replication_slot('strata_it_gap')");
        postgres.execute("create table gap_b as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
        // a new physical slot reserves WAL from the last checkpoint's redo point: move it past the archive
        postgres.execute(
                "create table gap_c as select g from generate_series(1, 10000) g",
                "select pg_switch_wal()",
                "checkpoint");
        SourceStreamer second = streamer("it-gap", store);
        second.start();
        try {
            awaitStreaming(second);
            assertThat(second.state().view().lastGap())
                    .contains("from " + complete().getLast().endLsn())
                    .contains("missing from the archive");
            assertThat(slotRestartLsn("strata_it_gap")).isNotNull();
        } finally {
            second.stop(Duration.ofSeconds(20));
        }
    }

    /**
     * Switching archiving off must not leave the slot behind: a slot nobody reads makes the source keep all
     * its WAL. Switched on again before the drop, the slot stays (its new streamer owns it).
     */
    @Test
    void switchingArchivingOffDropsTheSlotOnceTheStreamerHasStopped() throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        CatalogClient catalog = catalogOf(postgres);
        StreamerFactory factory = new StreamerFactory(
                catalog,
                store,
                StorageEncryption.off("test"),
                pgTools(),
                publisher,
                PROPERTIES,
                Clock.systemUTC(),
                new SimpleMeterRegistry());
        ArchivingSupervisor supervisor = new ArchivingSupervisor(
                new SourceDirectory(catalog), factory, PROPERTIES, publisher, Clock.systemUTC());

        supervisor.reconcile(java.util.Set.of("it-off"));
        await().atMost(PATIENCE)
                .until(() -> supervisor.status("it-off").map(WalStatus::running).orElse(false));
        assertThat(slotRestartLsn("strata_it_off")).isNotNull();

        supervisor.reconcile(java.util.Set.of()); // switched off: the streamer stops
        supervisor.dropSlots(java.util.Map.of("it-off", true)); // and on again before the drop: kept
        assertThat(slotExists("strata_it_off")).isTrue();

        supervisor.reconcile(java.util.Set.of());
        supervisor.reconcile(java.util.Set.of("it-off"));
        await().atMost(PATIENCE)
                .until(() -> supervisor.status("it-off").map(WalStatus::running).orElse(false));
        supervisor.reconcile(java.util.Set.of());
        await().atMost(PATIENCE).until(() -> {
            supervisor.dropSlots(java.util.Map.of("it-off", false));
            return !slotExists("strata_it_off");
        });
    }

    @Test
    void followsAPromotionOntoTheNewTimelineAndArchivesItsHistory(@TempDir Path standbyBase) throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        try (ThrowawayPostgres standby = ThrowawayPostgres.standbyOf(postgres, standbyBase)) {
            SourceStreamer streamer = streamer("it-promote", store, standby);
            streamer.start();
            try {
                awaitStreaming(streamer);
                postgres.execute(
                        "create table before_promotion as select g from generate_series(1, 10000) g",
                        "select pg_switch_wal()");
                await().atMost(PATIENCE).until(() -> !complete().isEmpty());

                standby.promote();
                standby.execute(
                        "create table after_promotion as select g from generate_series(1, 10000) g",
                        "select pg_switch_wal()");

                await().atMost(PATIENCE).until(() -> complete().stream().anyMatch(e -> e.timeline() == 2));
                WalSegmentArchived onNewTimeline = complete().stream()
                        .filter(e -> e.timeline() == 2)
                        .findFirst()
                        .orElseThrow();
                byte[] archived =
                        Zstd.decompress(store.readAll(onNewTimeline.key()), (int) onNewTimeline.segmentSize());
                assertThat(archived)
                        .isEqualTo(Files.readAllBytes(
                                standby.dataDir().resolve("pg_wal").resolve(onNewTimeline.segment())));
                byte[] history = Zstd.decompress(store.readAll("it-promote/wal/00000002/00000002.history.zst"), 4096);
                assertThat(history)
                        .isEqualTo(Files.readAllBytes(
                                standby.dataDir().resolve("pg_wal").resolve("00000002.history")));
                assertThat(streamer.state().view().timeline()).isEqualTo(2);
            } finally {
                streamer.stop(Duration.ofSeconds(20));
            }
        }
    }

    /**
     * The archiver is away while the standby it archives is promoted, with WAL of the old timeline it has not
     * archived yet. Back, it archives that WAL under the old timeline's names up to the switch, byte for byte
     * as the server has it, then the new timeline's: recovery from a backup of the old timeline reads those
     * names (a segment of the old timeline named after the new one would be a gap to it).
     */
    @Test
    void archivesTheOldTimelinesWalItMissedWhenItComesBackAfterAPromotion(@TempDir Path standbyBase) throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        try (ThrowawayPostgres standby = ThrowawayPostgres.standbyOf(postgres, standbyBase)) {
            SourceStreamer first = streamer("it-away", store, standby);
            first.start();
            try {
                awaitStreaming(first);
            } finally {
                first.stop(Duration.ofSeconds(20));
            }
            postgres.execute(
                    "create table while_away as select g from generate_series(1, 200000) g", "select pg_switch_wal()");
            postgres.execute(
                    "insert into while_away select g from generate_series(1, 200000) g", "select pg_switch_wal()");
            String written = query(postgres, "select pg_current_wal_lsn()::text");
            await().atMost(PATIENCE)
                    .until(() ->
                            "t".equals(query(standby, "select pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn")));
            standby.promote();
            standby.execute(
                    "create table after_promotion as select g from generate_series(1, 10000) g",
                    "select pg_switch_wal()");
            Lsn switched = Lsn.parse(Files.readString(standby.dataDir().resolve("pg_wal/00000002.history"))
                    .strip()
                    .split("\\s+")[1]);

            SourceStreamer back = streamer("it-away", store, standby);
            back.start();
            try {
                await().atMost(PATIENCE).until(() -> complete().stream().anyMatch(e -> e.timeline() == 2));
                List<WalSegmentArchived> old =
                        complete().stream().filter(e -> e.timeline() == 1).toList();
                assertThat(old)
                        .as("the old timeline's segments before the switch")
                        .isNotEmpty();
                for (WalSegmentArchived segment : old) {
                    assertThat(segment.endLsn()).isLessThanOrEqualTo(switched);
                    byte[] archived = Zstd.decompress(store.readAll(segment.key()), (int) segment.segmentSize());
                    assertThat(archived)
                            .as(segment.segment())
                            .isEqualTo(Files.readAllBytes(
                                    standby.dataDir().resolve("pg_wal").resolve(segment.segment())));
                }
                assertThat(complete())
                        .filteredOn(e -> e.timeline() == 2)
                        .allSatisfy(e -> assertThat(e.endLsn()).isGreaterThan(switched));
            } finally {
                back.stop(Duration.ofSeconds(20));
            }
        }
    }

    /**
     * A server with the source's system identifier on a new timeline and no slot, whose WAL since it branched off
     * the archived timeline is partly gone (a restored cluster put in the source's place that wrote two segments
     * and checkpointed before the archiver reached it): a gap from the branch, though the old server's timeline
     * is archived to higher LSNs. One archiver (one state) follows the source across the swap, as the service's
     * does: before, its check compared what it had archived last, on the old timeline, with the new slot's start,
     * and reported nothing.
     */
    @Test
    void reportsAGapOnANewTimelineWhoseFirstSegmentsAreGoneWhateverTheOldTimelineHolds(@TempDir Path standbyBase)
            throws Exception {
        LocalObjectStore store = new LocalObjectStore(archive);
        try (ThrowawayPostgres standby = ThrowawayPostgres.standbyOf(postgres, standbyBase)) {
            StreamerState state = new StreamerState(
                    "it-swap", SlotNames.forSource(PROPERTIES.slotPrefix(), "it-swap"), new SimpleMeterRegistry());
            SourceStreamer old = streamer("it-swap", store, postgres, state);
            Lsn written;
            old.start();
            try {
                awaitStreaming(old);
                standby.promote();
                // the old server goes on writing on timeline 1, archived past the branch
                postgres.execute(
                        "create table old_server_goes_on as select g from generate_series(1, 200000) g",
                        "select pg_switch_wal()");
                for (int i = 0; i < 4; i++) {
                    postgres.execute(
                            "insert into old_server_goes_on select g from generate_series(1, 200000) g",
                            "select pg_switch_wal()");
                }
                written = Lsn.parse(query(postgres, "select pg_current_wal_lsn()::text"));
                await().atMost(PATIENCE)
                        .until(() -> complete().stream()
                                .anyMatch(e -> e.timeline() == 1 && e.endLsn().compareTo(written) >= 0));
            } finally {
                old.stop(Duration.ofSeconds(20));
            }
            await().atMost(PATIENCE)
                    .until(() -> "f"
                            .equals(query(
                                            postgres,
                                            "select active::text from pg_replication_slots where slot_name = 'strata_it_swap'")
                                    .substring(0, 1)));
            postgres.execute("select pg_drop_replication_slot('strata_it_swap')");
            standby.execute(
                    "create table before_the_archiver as select g from generate_series(1, 200000) g",
                    "select pg_switch_wal()",
                    "insert into before_the_archiver select g from generate_series(1, 200000) g",
                    "select pg_switch_wal()",
                    "checkpoint");
            Lsn branched = Lsn.parse(Files.readString(standby.dataDir().resolve("pg_wal/00000002.history"))
                    .strip()
                    .split("\\s+")[1]);

            SourceStreamer swapped = streamer("it-swap", store, standby, state);
            swapped.start();
            try {
                awaitStreaming(swapped);
                Lsn slotStart = Lsn.parse(query(
                        standby,
                        "select restart_lsn::text from pg_replication_slots where slot_name = 'strata_it_swap'"));
                assertThat(written)
                        .as("the old timeline is archived past where the new one's slot begins")
                        .isGreaterThan(slotStart);
                assertThat(swapped.state().view().lastGap())
                        .contains("from " + branched)
                        .contains("missing from the archive");
            } finally {
                swapped.stop(Duration.ofSeconds(20));
            }
        }
    }

    private static String query(ThrowawayPostgres server, String sql) throws Exception {
        try (Connection connection = server.connect();
                PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getString(1);
        }
    }

    private SourceStreamer streamer(String source, LocalObjectStore store) {
        return streamer(source, store, postgres);
    }

    private SourceStreamer streamer(String source, LocalObjectStore store, ThrowawayPostgres server) {
        return streamer(
                source,
                store,
                server,
                new StreamerState(
                        source, SlotNames.forSource(PROPERTIES.slotPrefix(), source), new SimpleMeterRegistry()));
    }

    private SourceStreamer streamer(
            String source, LocalObjectStore store, ThrowawayPostgres server, StreamerState state) {
        return new SourceStreamer(
                source,
                catalogOf(server),
                new SegmentShipper(
                        source,
                        store,
                        StorageEncryption.off("test"),
                        publisher,
                        Clock.systemUTC(),
                        PROPERTIES.spoolDirectory(),
                        new Semaphore(PROPERTIES.uploadsAtOnce())),
                pgTools(),
                PROPERTIES,
                Clock.systemUTC(),
                state);
    }

    /** A catalog that knows every source as {@code server}'s postgres database. */
    private static CatalogClient catalogOf(ThrowawayPostgres server) {
        return new CatalogClient(null) {
            @Override
            public Optional<SourceConnection> sourceConnection(String name) {
                return Optional.of(
                        new SourceConnection(name, "127.0.0.1", server.port(), "postgres", "postgres", null));
            }
        };
    }

    private static PgTools pgTools() {
        return new PgTools(
                new PostgresProperties(java.nio.file.Path.of("/usr/lib/postgresql/15/bin")),
                SourceNetworks.of(java.util.List.of()),
                "strata-test");
    }

    private static void awaitStreaming(SourceStreamer streamer) {
        await().atMost(PATIENCE).until(() -> streamer.state().view().running());
    }

    private List<WalSegmentArchived> events() {
        return publisher.sent.stream()
                .map(RecordingPublisher.Sent::message)
                .filter(WalSegmentArchived.class::isInstance)
                .map(WalSegmentArchived.class::cast)
                .toList();
    }

    private List<WalSegmentArchived> complete() {
        return events().stream().filter(event -> !event.partial()).toList();
    }

    /** The pid of the archiver's query connection (its replication connection is a walsender); 0 while it has none. */
    private static int archiverQueryBackend() throws Exception {
        try (Connection connection = postgres.connect();
                PreparedStatement statement = connection.prepareStatement("select coalesce(max(pid), 0) from"
                        + " pg_stat_activity where application_name = 'strata-wal-archiver'"
                        + " and backend_type = 'client backend'");
                ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getInt(1);
        }
    }

    private static Lsn currentLsn() throws Exception {
        try (Connection connection = postgres.connect();
                PreparedStatement statement = connection.prepareStatement("select pg_current_wal_lsn()::text");
                ResultSet row = statement.executeQuery()) {
            row.next();
            return Lsn.parse(row.getString(1));
        }
    }

    private static boolean slotExists(String slot) throws Exception {
        try (Connection connection = postgres.connect();
                PreparedStatement statement =
                        connection.prepareStatement("select count(*) from pg_replication_slots where slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1) == 1;
            }
        }
    }

    private static Lsn slotRestartLsn(String slot) throws Exception {
        try (Connection connection = postgres.connect();
                PreparedStatement statement = connection.prepareStatement(
                        "select restart_lsn::text from pg_replication_slots where slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getString(1) != null ? Lsn.parse(row.getString(1)) : null;
            }
        }
    }
}
