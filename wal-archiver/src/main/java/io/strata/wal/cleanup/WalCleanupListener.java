package io.strata.wal.cleanup;

import io.strata.common.command.CleanWal;
import io.strata.common.command.WalCommand;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobResult.WalCleanupResult;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.WalCleanup;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobLeases;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.JobReporters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Runs WAL_CLEANUP jobs: the catalog forgets the WAL that may go (never what a kept base backup or restore
 * point needs, see its WalRetention) and returns it; the objects are then deleted from the store. The job
 * is claimed first ({@link JobLeases}); a redelivered command finds nothing more to forget.
 */
@Component
class WalCleanupListener {
    private static final Logger log = LoggerFactory.getLogger(WalCleanupListener.class);
    static final String FORGETTING = "choosing WAL to remove";
    static final String DELETING = "deleting WAL objects";
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final JobReporters reporters;
    private final JobLeases leases;

    WalCleanupListener(CatalogClient catalog, ObjectStore store, JobReporters reporters, JobLeases leases) {
        this.catalog = catalog;
        this.store = store;
        this.reporters = reporters;
        this.leases = leases;
    }

    @KafkaListener(topics = Topics.WAL_COMMANDS, groupId = "wal-archiver")
    void onCommand(ConsumerRecord<String, String> record) {
        switch (Json.read(record.value(), WalCommand.class)) {
            case CleanWal clean -> clean(clean);
        }
    }

    private void clean(CleanWal command) {
        JobReporter reporter = reporters.forJob(
                new JobRef(command.jobId(), JobKind.WAL_CLEANUP, command.source(), command.requestId(), null));
        leases.runClaimed(reporter, FORGETTING, () -> {
            WalCleanup cleanup = catalog.cleanupWal(command.source(), command.keepDays());
            int total = cleanup.removed().size();
            long bytes = 0;
            int done = 0;
            for (PlannedSegment segment : cleanup.removed()) {
                store.delete(segment.key());
                bytes += segment.storedBytes();
                done++;
                reporter.progress(DELETING, 10 + 89 * done / Math.max(1, total), done, total);
            }
            log.info(
                    "WAL cleanup of {} (keep {} days): removed {} segments ({} bytes), kept {}",
                    command.source(),
                    command.keepDays(),
                    total,
                    bytes,
                    cleanup.keptSegments());
            return new WalCleanupResult(
                    command.keepDays(),
                    cleanup.cutoff(),
                    total,
                    bytes,
                    cleanup.keptSegments(),
                    cleanup.oldestKeptSegment());
        });
    }
}
