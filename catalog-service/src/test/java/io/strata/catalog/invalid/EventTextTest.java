package io.strata.catalog.invalid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.event.JobSucceeded;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTextTest {
    private static final JobRef JOB = new JobRef(JobId.random(), JobKind.BACKUP, "shop", "req-1", null);

    @Test
    void escapesNulAndTerminalControlsVisiblyButKeepsLineBreaksAndTabs() {
        assertThat(EventText.escape("pg_dump: error\u0000 \u001b[31mboom\u001b[0m\r\n\tline 2 \u202eevil"))
                .isEqualTo("pg_dump: error\\u0000 \\u001b[31mboom\\u001b[0m\\u000d\n\tline 2 \\u202eevil");
        assertThat(EventText.escape("plain text, ünïcödé")).isEqualTo("plain text, ünïcödé");
        assertThat(EventText.escape(null)).isNull();
    }

    @Test
    void aLineKeepsNoLineBreakSoARecordCannotForgeLogLines() {
        assertThat(EventText.line("ce-1\n2026-11-22 INFO forged\tentry", 200))
                .isEqualTo("ce-1\\u000a2026-11-22 INFO forged\\u0009entry");
    }

    @Test
    void excerptIsEscapedAndCappedAndSaysHowLongTheOriginalWas() {
        String excerpt = EventText.excerpt("\u0000".repeat(10_000), 100);

        assertThat(excerpt).startsWith("\\u0000\\u0000").endsWith("... (10000 characters in all)");
        assertThat(excerpt.length()).isLessThan(140);
        assertThat(excerpt).doesNotContain("\u0000");
        assertThat(EventText.excerpt("short", 100)).isEqualTo("short");
    }

    @Test
    void namesTheFieldThatHoldsANul() {
        JobSucceeded succeeded =
                new JobSucceeded(1, JOB, Instant.parse("2026-11-22T15:30:00Z"), result("nightly\u0000"));

        assertThatThrownBy(() -> EventText.requireNoNul(succeeded))
                .isInstanceOf(InvalidContentException.class)
                .hasMessage("field result.description contains a NUL character");
        assertThatCode(() -> EventText.requireNoNul(new JobSucceeded(1, JOB, null, result("nightly \u0007 bell"))))
                .doesNotThrowAnyException();
    }

    private static BackupResult result(String description) {
        return new BackupResult(
                "20261122T153000Z-3fa2c1",
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "shop",
                "15.4",
                10,
                5,
                "ab",
                "shop/backups/x/dump.pgc.zst",
                "shop/backups/x/manifest.json",
                null,
                null,
                description,
                null,
                null,
                null,
                null,
                null);
    }
}
