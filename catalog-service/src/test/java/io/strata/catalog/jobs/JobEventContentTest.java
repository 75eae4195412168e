package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.catalog.invalid.InvalidContentException;
import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which text the catalog sanitises and keeps, and which makes it refuse the record. */
class JobEventContentTest {
    private static final JobRef JOB = new JobRef(JobId.random(), JobKind.BACKUP, "shop", "req-1", null);
    private static final Instant AT = Instant.parse("2026-11-22T15:30:00Z");

    @Test
    void aFailureKeepsItsCodeAndItsWordsWithControlCharactersEscaped() {
        JobFailed failed =
                new JobFailed(1, JOB, AT, FailureCode.PG_DUMP_FAILED, "pg_dump: \u001b[1merror\u0000 here", false);

        JobFailed stored = (JobFailed) JobEventContent.storable(failed);

        assertThat(stored.code()).isEqualTo(FailureCode.PG_DUMP_FAILED);
        assertThat(stored.message()).isEqualTo("pg_dump: \\u001b[1merror\\u0000 here");
        assertThat(stored.job()).isEqualTo(JOB);
    }

    @Test
    void progressTextIsSanitisedRatherThanRefused() {
        JobProgressed progressed = new JobProgressed(1, JOB, AT, 40, "copy\u0000ing", 4, 10);

        assertThat(((JobProgressed) JobEventContent.storable(progressed)).step())
                .isEqualTo("copy\\u0000ing");
    }

    @Test
    void aNulInTheJobsIdentityRefusesTheEvent() {
        JobRef forged = new JobRef(JobId.random(), JobKind.BACKUP, "sh\u0000op", "req-1", null);

        assertThatThrownBy(() -> JobEventContent.storable(new JobStarted(1, forged, AT, "dumping", "w")))
                .isInstanceOf(InvalidContentException.class)
                .hasMessage("field job.source contains a NUL character");
    }

    @Test
    void anEventThatDoesNotNameItsJobIsRefused() {
        JobRef partial = new JobRef(JobId.random(), null, "shop", null, null);

        assertThatThrownBy(() -> JobEventContent.storable(new JobStarted(1, partial, AT, null, "w")))
                .isInstanceOf(InvalidContentException.class)
                .hasMessageContaining("must name its job fully");
    }

    @Test
    void aCommandWithANulInItsDescriptionIsRefused() {
        TakeBackup take = new TakeBackup(
                1,
                JobId.random(),
                BackupId.newId(AT),
                "shop",
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "before \u0000 upgrade",
                "req-1",
                AT);

        assertThatThrownBy(() -> JobEventContent.requireStorable(take))
                .isInstanceOf(InvalidContentException.class)
                .hasMessage("field description contains a NUL character");
    }
}
