package io.strata.gateway.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ArchiveFormatTest {

    @Test
    void takesCustomAndTarArchives() {
        assertThat(detect(bytes("PGDMP\u0001\u000e\u0000rest")).format()).isEqualTo(ArchiveFormat.CUSTOM);
        assertThat(detect(tarHeader("toc.dat")).format()).isEqualTo(ArchiveFormat.TAR);
    }

    @Test
    void refusesOtherTarsCompressedFilesScriptsAndNoise() {
        assertThat(detect(tarHeader("backup/toc.dat")).problem())
                .contains("not one pg_dump -Ft wrote", "backup/toc.dat");
        assertThat(detect(new byte[] {0x1f, (byte) 0x8b, 8, 0}).problem()).contains("gzip", "gunzip");
        assertThat(detect(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0}).problem())
                .contains("zstd");
        assertThat(detect(bytes("BZh91AY")).problem()).contains("bzip2");
        assertThat(detect(new byte[] {'P', 'K', 3, 4, 0}).problem()).contains("zip");
        assertThat(detect(bytes("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"))
                        .problem())
                .contains("plain SQL script", "\\!", "-Fc");
        assertThat(detect(new byte[0]).problem()).contains("empty");
        byte[] noise = new byte[512];
        Arrays.fill(noise, (byte) 0x01);
        noise[7] = 0;
        assertThat(detect(noise).accepted()).isFalse();
        assertThat(detect(noise).problem()).contains("not a pg_dump archive");
        // the magic must be at the very start
        assertThat(detect(bytes(" PGDMP")).accepted()).isFalse();
    }

    private static ArchiveFormat.Detected detect(byte[] head) {
        byte[] buffer = Arrays.copyOf(head, Math.max(head.length, ArchiveFormat.HEAD_BYTES));
        return ArchiveFormat.detect(buffer, Math.min(head.length, ArchiveFormat.HEAD_BYTES));
    }

    private static byte[] tarHeader(String firstName) {
        byte[] header = new byte[512];
        byte[] name = bytes(firstName);
        System.arraycopy(name, 0, header, 0, name.length);
        byte[] ustar = bytes("ustar\u000000");
        System.arraycopy(ustar, 0, header, 257, ustar.length);
        return header;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
