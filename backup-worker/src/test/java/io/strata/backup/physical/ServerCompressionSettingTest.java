package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.model.BackupType;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.logical.LogicalBackupProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which backups the server is asked to compress, at what, and never again of a source that refused. */
class ServerCompressionSettingTest {
    private static final LogicalBackupProperties PROPERTIES =
            new LogicalBackupProperties(2, Duration.ofSeconds(1), -3, true);
    private static final SourceConnection SHOP = new SourceConnection("shop", "127.0.0.1", 5432, "postgres", "u", "p");
    private static final SourceConnection ERP = new SourceConnection("erp", "127.0.0.1", 5433, "postgres", "u", "p");

    private static PhysicalBackupJob job(String serverCompression) {
        return new PhysicalBackupJob(
                null, null, null, null, null, PROPERTIES, null, TarSource.BUILT_IN, "strata", serverCompression);
    }

    @Test
    void fullAsksForFullBackupsOnlyAtTheWorkersLevelAndThreads() {
        PhysicalBackupJob job = job(PhysicalBackupJob.SERVER_COMPRESSION_FULL);
        assertThat(job.serverZstd(SHOP, BackupType.FULL)).isEqualTo(new BaseBackupStream.ServerZstd(-3, 2));
        assertThat(job.serverZstd(SHOP, BackupType.INCREMENTAL)).isNull();
        assertThat(job.serverZstd(SHOP, BackupType.DIFFERENTIAL)).isNull();
        assertThat(job(PhysicalBackupJob.SERVER_COMPRESSION_ALL).serverZstd(SHOP, BackupType.INCREMENTAL))
                .isNotNull();
        assertThat(job(PhysicalBackupJob.SERVER_COMPRESSION_NONE).serverZstd(SHOP, BackupType.FULL))
                .isNull();
        assertThat(new BaseBackupStream.ServerZstd(-3, 2).options())
                .isEqualTo(", COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=-3,workers=2'");
        assertThat(new BaseBackupStream.ServerZstd(0, 0).options())
                .isEqualTo(", COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=3'");
    }

    @Test
    void aSourceThatRefusedIsNotAskedAgainOthersAre() {
        PhysicalBackupJob job = job(PhysicalBackupJob.SERVER_COMPRESSION_FULL);
        job.compressionRefused(SHOP, "ERROR:  zstd compression is not supported by this build");
        assertThat(job.serverZstd(SHOP, BackupType.FULL)).isNull();
        assertThat(job.serverZstd(ERP, BackupType.FULL)).isNotNull();
    }

    @Test
    void anUnknownSettingIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> job("yes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strata.backup.server-compression is 'yes'")
                .hasMessageContaining("full")
                .hasMessageContaining("all")
                .hasMessageContaining("none");
        assertThatThrownBy(() -> new BaseBackupStream.ServerZstd(20, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
