package io.strata.catalog.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SourceRecordTest {
    private static final OffsetDateTime CREATED = OffsetDateTime.of(2026, 12, 1, 12, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void viewSaysWhetherACaIsSetButNeverEchoesIt() {
        SourceView view = record("plain:pw", "verify-full", SourceValidatorTest.CA_PEM, 30, 600)
                .view();

        assertThat(view.sslMode()).isEqualTo("verify-full");
        assertThat(view.caCertificate()).isTrue();
        assertThat(view.timeouts()).isEqualTo(new SourceTimeouts(30, 600));
        assertThat(view.toString()).doesNotContain("BEGIN CERTIFICATE").doesNotContain("pw");
    }

    @Test
    void viewFillsInDefaults() {
        SourceView view = record(null, null, null, null, null).view();

        assertThat(view.sslMode()).isEqualTo("prefer");
        assertThat(view.caCertificate()).isFalse();
        assertThat(view.timeouts())
                .isEqualTo(
                        new SourceTimeouts(SourceTimeouts.DEFAULT_CONNECT_SECONDS, SourceTimeouts.DEFAULT_IO_SECONDS));
    }

    @Test
    void connectionCarriesTheStoredSettings() {
        SourceConnection connection = record("v1:k1:x", "verify-ca", SourceValidatorTest.CA_PEM, null, 900)
                .connection("opened");

        assertThat(connection.password()).isEqualTo("opened");
        assertThat(connection.tls().sslMode()).isEqualTo("verify-ca");
        assertThat(connection.tls().caCertificate()).isEqualTo(SourceValidatorTest.CA_PEM);
        assertThat(connection.timeouts()).isEqualTo(new SourceTimeouts(null, 900));
        assertThat(connection.toString()).doesNotContain("opened");
    }

    @Test
    void toStringRedactsThePassword() {
        assertThat(record("plain:hunter2", null, null, null, null).toString())
                .contains("shop", "(redacted)")
                .doesNotContain("hunter2")
                .doesNotContain("plain:");
    }

    private static SourceRecord record(String secret, String mode, String ca, Integer connect, Integer io) {
        return new SourceRecord(
                "shop", "db.local", 5432, "shop", "backup", secret, mode, ca, connect, io, false, CREATED, null);
    }
}
