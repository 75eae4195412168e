package io.strata.common.messaging;

import java.util.List;

/** Kafka topic names of the public contract. Every consumed topic has a {@code .dlt} twin. */
public final class Topics {
    public static final String BACKUP_REQUESTS = "strata.backup.requests";
    public static final String BACKUP_COMMANDS = "strata.backup.commands";
    public static final String RESTORE_COMMANDS = "strata.restore.commands";
    public static final String JOB_EVENTS = "strata.job.events";
    public static final String WAL_EVENTS = "strata.wal.events";
    /** WAL retention commands (WAL_CLEANUP jobs) for the wal-archiver; keyed by source name. */
    public static final String WAL_COMMANDS = "strata.wal.commands";

    public static final String ALERTS = "strata.alerts";
    /** Mutating API calls as the gateway answered them (AuditRecorded); keyed by actor. */
    public static final String AUDIT = "strata.audit";

    /**
     * The topics workers take jobs from through Kafka share groups. They have one partition: a share group
     * splits partitions among its members when there are no more members than partitions, so with several
     * partitions a busy worker would hold commands an idle one could start; one partition is shared by all.
     */
    public static final List<String> JOB_COMMANDS = List.of(BACKUP_COMMANDS, RESTORE_COMMANDS, WAL_COMMANDS);

    public static final List<String> ALL = List.of(
            BACKUP_REQUESTS, BACKUP_COMMANDS, RESTORE_COMMANDS, JOB_EVENTS, WAL_EVENTS, WAL_COMMANDS, ALERTS, AUDIT);

    private Topics() {}

    public static String deadLetter(String topic) {
        return topic + ".dlt";
    }
}
