package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.blocks.BlockDiffer;
import io.strata.common.blocks.BlockMap;
import io.strata.common.blocks.TarFollower;
import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.jobs.JobFailureException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A base backup's pass over the tar names its failures by where they come from: what the source sent and
 * Strata cannot store is the source's (not retried: it would be sent again), the block map's temporary file
 * is this worker's. Before, both were "could not write the block map (free space?)" on a DIFFERENTIAL or
 * INCREMENTAL, and a STORAGE_ERROR blaming the object store on a FULL.
 */
class StreamFailuresTest {
    private static final SourceConnection SOURCE = new SourceConnection(
            "shop", "127.0.0.1", 5432, "postgres", "strata", "secret", new SourceTls("disable", null), null, null);

    @Test
    void aMemberStrataCannotStoreIsTheSourcesFailureAndNotRetried() throws IOException {
        byte[] fifo = tar("base/1/16384", '6', new byte[0]); // a FIFO: neither a file, a directory nor a link
        BlockDiffer differ = new BlockDiffer(new BlockMap.Writer(new ByteArrayOutputStream()), null, null, Set.of());

        assertThatThrownBy(() -> drain(StreamFailures.refusingMalformed(
                        new TarFollower(
                                new ByteArrayInputStream(fifo), StreamFailures.localWrites(differ, Path.of("/tmp"))),
                        SOURCE)))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.PG_BASEBACKUP_FAILED);
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining("Source 'shop' sent a base backup Strata cannot store")
                .hasMessageContaining("base/1/16384");
    }

    @Test
    void theBlockMapsOwnWriteFailureIsThisWorkersAndRetried() throws IOException {
        byte[] file = tar("base/1/16384", '0', "a page".getBytes(StandardCharsets.UTF_8));
        BlockMap.Writer full = new BlockMap.Writer(new OutputStream() {
            private int written;

            @Override
            public void write(int b) throws IOException {
                if (++written > 18) { // past the map's 18-byte magic: the disk filled up
                    throw new IOException("No space left on device");
                }
            }
        });
        BlockDiffer differ = new BlockDiffer(full, null, null, Set.of());

        assertThatThrownBy(() -> drain(StreamFailures.refusingMalformed(
                        new TarFollower(
                                new ByteArrayInputStream(file),
                                StreamFailures.localWrites(differ, Path.of("/tmp/strata-scratch"))),
                        SOURCE)))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.INTERNAL);
                    assertThat(e.retryable()).isTrue();
                })
                .hasMessageContaining("block map or read its parent's hashes (/tmp/strata-scratch)")
                .hasMessageContaining("No space left on device");
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    /** One ustar member of {@code type} and the two zero blocks that end the tar. */
    private static byte[] tar(String name, char type, byte[] content) {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000600");
        put(header, 124, String.format("%011o", content.length));
        header[156] = (byte) type;
        put(header, 257, "ustar");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
