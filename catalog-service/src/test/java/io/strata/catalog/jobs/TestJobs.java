package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.CleanWal;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.WalCommand;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Jobs in the states the lease tests start from, in the real catalog database. */
final class TestJobs {
    private TestJobs() {}

    /** A new QUEUED job of {@code source} shop, registered as the gateway does (with its backup row). */
    static UUID queued(JobRegistry registry, JobKind kind, String backupId) {
        UUID id = UUID.randomUUID();
        register(registry, new JobOrigin(id, kind, "shop", backupId, "req-" + id, Instant.now()));
        return id;
    }

    /** Registers {@code origin} with the command the gateway would send for it. */
    static void register(JobRegistry registry, JobOrigin origin) {
        JobCommand command = commandOf(origin);
        Message parsed = switch (origin.kind()) {
            case BACKUP -> Json.read(command.payload(), BackupCommand.class);
            case RESTORE -> Json.read(command.payload(), RestoreCommand.class);
            default -> Json.read(command.payload(), WalCommand.class);
        };
        registry.register(origin, command, parsed);
    }

    /** The command of {@code origin} as the gateway hands it to the catalog. */
    static JobCommand commandOf(JobOrigin origin) {
        Message command = command(origin);
        return new JobCommand(
                JobCommandCheck.topicOf(origin.kind()),
                command.kafkaKey(),
                command.ceType(),
                "api-gateway",
                Json.write(command));
    }

    static Message command(JobOrigin origin) {
        JobId id = new JobId(origin.jobId());
        BackupId backup =
                origin.backupId() == null ? BackupId.newId(origin.createdAt()) : BackupId.parse(origin.backupId());
        return switch (origin.kind()) {
            case BACKUP ->
                new TakeBackup(
                        TakeBackup.SCHEMA_VERSION,
                        id,
                        backup,
                        origin.source(),
                        BackupKind.LOGICAL,
                        BackupType.FULL,
                        false,
                        null,
                        origin.requestId(),
                        origin.createdAt());
            case RESTORE ->
                new RestoreBackup(
                        RestoreBackup.SCHEMA_VERSION,
                        id,
                        origin.source(),
                        backup,
                        RestoreInto.newDatabase("restored"),
                        origin.requestId(),
                        origin.createdAt(),
                        null);
            default ->
                new CleanWal(CleanWal.SCHEMA_VERSION, id, origin.source(), 7, origin.requestId(), origin.createdAt());
        };
    }

    /** The job's lease ran out a second ago, as if its worker had stopped renewing it. */
    static void expireLease(JdbcClient jdbc, UUID job) {
        set(jdbc, job, "lease_expires_at = now() - interval '1 second'");
    }

    /** Writes {@code assignments} (constant SQL of the test) to the job's row, bypassing the catalog's rules. */
    static void set(JdbcClient jdbc, UUID job, String assignments) {
        jdbc.sql("UPDATE job SET " + assignments + " WHERE job_id = ?")
                .param(job)
                .update();
    }
}
