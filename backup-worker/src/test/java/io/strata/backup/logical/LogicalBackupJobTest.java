package io.strata.backup.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.command.TakeBackup;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.platform.jobs.JobFailureException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogicalBackupJobTest {

    @Test
    void physicalCommandsAreNeverRunAsAPgDump() {
        assertThatThrownBy(() -> LogicalBackupJob.refuseUnsupported(command(BackupKind.PHYSICAL, BackupType.FULL)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PhysicalBackupJob");
    }

    @Test
    void incrementalLogicalBackupsAreRefusedAsUnsupported() {
        assertThatThrownBy(
                        () -> LogicalBackupJob.refuseUnsupported(command(BackupKind.LOGICAL, BackupType.INCREMENTAL)))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.UNSUPPORTED));
    }

    @Test
    void fullLogicalBackupsAreAccepted() {
        assertThatCode(() -> LogicalBackupJob.refuseUnsupported(command(BackupKind.LOGICAL, BackupType.FULL)))
                .doesNotThrowAnyException();
        assertThatCode(() -> LogicalBackupJob.refuseUnsupported(command(null, null)))
                .doesNotThrowAnyException();
    }

    private static TakeBackup command(BackupKind kind, BackupType type) {
        return new TakeBackup(
                1, JobId.random(), BackupId.newId(Instant.now()), "shop", kind, type, false, null, null, Instant.now());
    }
}
