package io.strata.catalog.jobs;

import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.common.command.ApplyRetention;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.DeleteBackup;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RunRestoreDrill;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.command.WalCommand;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Checks that a job's command, as the gateway hands it over with {@code POST /internal/v1/jobs}, is the
 * command of that job: the topic its kind is run from, a payload that parses as one of that topic's
 * commands and names the same job and source, the same key and {@code ce_type}. The catalog relays it to
 * Kafka as given, so nothing else may ride along.
 */
final class JobCommandCheck {
    private static final Pattern PRODUCER = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    private JobCommandCheck() {}

    /** The topic commands of {@code kind} are consumed from; null for kinds not run from a command yet. */
    static String topicOf(JobKind kind) {
        return switch (kind) {
            case BACKUP, VERIFY, DELETE, RETENTION -> Topics.BACKUP_COMMANDS;
            case RESTORE, RESTORE_DRILL, UPLOAD_RESTORE -> Topics.RESTORE_COMMANDS;
            case WAL_CLEANUP -> Topics.WAL_COMMANDS;
        };
    }

    /** The job kind each command on {@code strata.restore.commands} runs. */
    static JobKind kindOf(RestoreCommand command) {
        return switch (command) {
            case RestoreBackup restore -> JobKind.RESTORE;
            case RunRestoreDrill drill -> JobKind.RESTORE_DRILL;
            case RestoreUpload upload -> JobKind.UPLOAD_RESTORE;
        };
    }

    /** The job kind each command on {@code strata.backup.commands} runs. */
    static JobKind kindOf(BackupCommand command) {
        return switch (command) {
            case TakeBackup take -> JobKind.BACKUP;
            case VerifyBackup verify -> JobKind.VERIFY;
            case DeleteBackup delete -> JobKind.DELETE;
            case ApplyRetention retention -> JobKind.RETENTION;
        };
    }

    /** The parsed command, or the problems (field {@code command...}) added to {@code problems}. */
    static Message parse(UUID jobId, JobKind kind, String source, JobCommand command, List<FieldProblem> problems) {
        if (command == null) {
            problems.add(new FieldProblem(
                    "command",
                    "is required: the command that runs the job (topic, key, ceType," + " producer, payload)"));
            return null;
        }
        if (kind == null || jobId == null) {
            return null; // reported on their own fields
        }
        String topic = topicOf(kind);
        if (topic == null) {
            problems.add(new FieldProblem("kind", kind + " jobs are not run from a command yet"));
            return null;
        }
        if (!topic.equals(command.topic())) {
            problems.add(new FieldProblem("command.topic", "a " + kind + " job's command goes to " + topic));
            return null;
        }
        if (command.producer() == null || !PRODUCER.matcher(command.producer()).matches()) {
            problems.add(new FieldProblem("command.producer", "must be a service name like api-gateway"));
        }
        Message parsed;
        try {
            parsed = switch (kind) {
                case BACKUP, VERIFY, DELETE, RETENTION -> Json.read(command.payload(), BackupCommand.class);
                case RESTORE, RESTORE_DRILL, UPLOAD_RESTORE -> Json.read(command.payload(), RestoreCommand.class);
                case WAL_CLEANUP -> Json.read(command.payload(), WalCommand.class);
            };
            EventText.requireNoNul(parsed);
        } catch (InvalidContentException e) {
            problems.add(new FieldProblem("command.payload", e.getMessage()));
            return null;
        } catch (RuntimeException e) {
            problems.add(new FieldProblem("command.payload", "is not a " + kind + " command: " + e.getMessage()));
            return null;
        }
        if (parsed instanceof BackupCommand backupCommand && kindOf(backupCommand) != kind) {
            problems.add(new FieldProblem(
                    "command.payload",
                    "a " + parsed.getClass().getSimpleName() + " runs a " + kindOf(backupCommand) + " job, not "
                            + kind));
            return null;
        }
        if (parsed instanceof RestoreCommand restoreCommand && kindOf(restoreCommand) != kind) {
            problems.add(new FieldProblem(
                    "command.payload",
                    "a " + parsed.getClass().getSimpleName() + " runs a " + kindOf(restoreCommand) + " job, not "
                            + kind));
            return null;
        }
        JobId commandJob = switch (parsed) {
            case BackupCommand backup -> backup.jobId();
            case RestoreCommand restore -> restore.jobId();
            case WalCommand wal -> wal.jobId();
            default -> null;
        };
        if (commandJob == null || !commandJob.value().equals(jobId)) {
            problems.add(new FieldProblem("command.payload", "names job " + commandJob + ", not " + jobId));
        }
        if (!Objects.equals(parsed.kafkaKey(), source) || !Objects.equals(command.key(), source)) {
            problems.add(new FieldProblem("command.key", "the command and its key must name source " + source));
        }
        if (!Objects.equals(parsed.ceType(), command.ceType())) {
            problems.add(new FieldProblem("command.ceType", "the payload is a " + parsed.ceType()));
        }
        return parsed;
    }
}
