package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.blocks.TarFollower;
import io.strata.common.model.Lsn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestCaptureTest {
    private static final String MANIFEST = """
            {"PostgreSQL-Backup-Manifest-Version": 1, "Files": [],
             "WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100"}]}""";

    @Test
    void passesTheTarThroughUnchangedAndKeepsTheBackupManifestWhateverTheChunking() throws IOException {
        byte[] tar = tar("PG_VERSION", "15\n".repeat(300), "backup_manifest", MANIFEST);
        ManifestCapture tap = new ManifestCapture();
        TarFollower follower = new TarFollower(new ByteArrayInputStream(tar), tap);

        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        byte[] chunk = new byte[7];
        int n;
        while ((n = follower.read(chunk, 0, chunk.length)) >= 0) {
            passed.write(chunk, 0, n);
        }

        assertThat(passed.toByteArray()).isEqualTo(tar);
        assertThat(tap.manifest())
                .hasValueSatisfying(
                        m -> assertThat(new String(m, StandardCharsets.UTF_8)).isEqualTo(MANIFEST));
    }

    @Test
    void aTarWithoutManifestHasNone() throws IOException {
        ManifestCapture tap = new ManifestCapture();
        new TarFollower(new ByteArrayInputStream(tar("PG_VERSION", "15\n", "global/x", "y")), tap).readAllBytes();

        assertThat(tap.manifest()).isEmpty();
    }

    @Test
    void walRangeComesFromThePostgresManifest() {
        BaseBackupManifest range = BaseBackupManifest.parse(MANIFEST.getBytes(StandardCharsets.UTF_8));

        assertThat(range.startLsn()).isEqualTo(Lsn.parse("0/2000028"));
        assertThat(range.endLsn()).isEqualTo(Lsn.parse("0/2000100"));
        assertThat(range.timeline()).isEqualTo(1);
        assertThat(range.acrossTimelines()).isFalse();
    }

    /**
     * A backup of a standby that followed its upstream to a new timeline while it ran: PostgreSQL lists the
     * ranges newest first (backup_manifest.c walks the history from the end timeline back), so the backup
     * starts in the last range and ends in the first, on timeline 2 (before, start and end were both read as
     * the switch point, and the timeline as 1).
     */
    @Test
    void aBackupAcrossATimelineSwitchStartsInTheLastRangeAndEndsInTheFirst() {
        String manifest = """
                {"PostgreSQL-Backup-Manifest-Version": 1, "Files": [],
                "WAL-Ranges": [
                { "Timeline": 2, "Start-LSN": "0/3000000", "End-LSN": "0/3000200" },
                { "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/3000000" }
                ], "Manifest-Checksum": "0"}
                """;
        BaseBackupManifest range = BaseBackupManifest.parse(manifest.getBytes(StandardCharsets.UTF_8));

        assertThat(range.startLsn()).isEqualTo(Lsn.parse("0/2000028"));
        assertThat(range.endLsn()).isEqualTo(Lsn.parse("0/3000200"));
        assertThat(range.timeline()).isEqualTo(2);
        assertThat(range.startTimeline()).isEqualTo(1);
        assertThat(range.acrossTimelines()).isTrue();
    }

    /** A ustar stream of {@code name, content} pairs, as pg_basebackup writes one. */
    private static byte[] tar(String... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < entries.length; i += 2) {
            byte[] content = entries[i + 1].getBytes(StandardCharsets.UTF_8);
            byte[] header = new byte[512];
            byte[] name = entries[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, header, 0, name.length);
            byte[] size = String.format("%011o", content.length).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(size, 0, header, 124, size.length);
            header[156] = '0';
            out.writeBytes(header);
            out.writeBytes(content);
            out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }
}
