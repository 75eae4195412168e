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
import io.strata.platform.jobs.CommandHandler;
import io.strata.platform.jobs.CommandQueue;
import io.strata.platform.jobs.CommandQueues;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.jobs.JobReporters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Runs WAL_CLEANUP jobs: the catalog forgets the WAL that may go (never what a kept base backup or restore
 * point needs, see its WalRetention) and returns it; the objects are then deleted from the store. The job
 * is claimed first (by the {@link CommandQueue}, from the {@code wal-archiver} share group); a command
 * delivered again finds nothing more to forget.
 */
@Configuration(proxyBeanMethods = false)
class WalCleanupCommands implements CommandHandler {
    static final String GROUP = "wal-archiver";
    private static final Logger log = LoggerFactory.getLogger(WalCleanupCommands.class);
    static final String FORGETTING = "choosing WAL to remove";
    static final String DELETING = "deleting WAL objects";
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final JobReporters reporters;

    WalCleanupCommands(CatalogClient catalog, ObjectStore store, JobReporters reporters) {
        this.catalog = catalog;
        this.store = store;
        this.reporters = reporters;
    }

    @Bean
    CommandQueue walCommandQueue(CommandQueues queues) {
        return queues.create(Topics.WAL_COMMANDS, GROUP, this);
    }

    @Override
    public JobKind kind() {
        return JobKind.WAL_CLEANUP;
    }

    @Override
    public ClaimableJob read(ConsumerRecord<String, String> record) {
        return switch (Json.read(record.value(), WalCommand.class)) {
            case CleanWal clean -> clean(clean);
        };
    }

    private ClaimableJob clean(CleanWal command) {
        JobReporter reporter = reporters.forJob(
                new JobRef(command.jobId(), JobKind.WAL_CLEANUP, command.source(), command.requestId(), null));
        return new ClaimableJob(reporter, FORGETTING, () -> {
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
