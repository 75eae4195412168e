package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.wal.streaming.SegmentAccumulator.WalBytes;
import io.strata.wal.streaming.SegmentCompressor.CompressedWal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentCompressorTest {
    private static final int LEVEL = SegmentShipper.ZSTD_LEVEL;

    @TempDir
    Path spool;

    private final byte[] wal = new byte[4 * WalSpool.MAX_IO + 123];
    /** Bytes read from the plain WAL so far: each is read once while a segment is compressed in one frame. */
    private long plainRead;

    @BeforeEach
    void walThatCompressesPartly() {
        new Random(11).nextBytes(wal);
        for (int i = 0; i < wal.length; i += 3) {
            wal[i] = 0; // partly compressible, as WAL is
        }
    }

    @Test
    void eachPartialIsWholeZstdOfTheBytesSoFarAndEachByteIsCompressedOnce() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            int[] lengths = {1, 1000, WalSpool.MAX_IO, WalSpool.MAX_IO + 1, 3 * WalSpool.MAX_IO, wal.length - 1};
            for (int length : lengths) {
                byte[] partial = stored(compressor.compress(bytes(length), false));
                assertThat(decoded(partial)).as("partial of %d bytes", length).isEqualTo(Arrays.copyOf(wal, length));
                assertThat(Zstd.decompress(partial, length)).isEqualTo(Arrays.copyOf(wal, length));
                assertThat(compressor.holdsContext()).isTrue();
            }
            // asked again with nothing new: the same bytes, nothing compressed
            long before = plainRead;
            byte[] again = stored(compressor.compress(bytes(wal.length - 1), false));
            assertThat(decoded(again)).isEqualTo(Arrays.copyOf(wal, wal.length - 1));
            assertThat(plainRead).isEqualTo(before);

            byte[] whole = stored(compressor.compress(bytes(wal.length), true));

            assertThat(decoded(whole)).isEqualTo(wal);
            assertThat(Zstd.findFrameCompressedSize(whole)).as("one frame").isEqualTo(whole.length);
            assertThat(plainRead).as("each byte read (and compressed) once").isEqualTo(wal.length);
            assertThat(compressor.holdsContext()).isFalse();
            byte[] oneShot = Zstd.compress(wal, LEVEL);
            assertThat((double) whole.length)
                    .as("about as small as one compression of the whole")
                    .isLessThan(oneShot.length * 1.02 + 64);
        }
    }

    @Test
    void aSegmentThatRestedIsReadAsTwoFramesThenStoredAsOne() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            compressor.compress(bytes(1000), false);
            compressor.rest();
            assertThat(compressor.holdsContext()).isFalse();
            byte[] ended = stored(compressor.compress(bytes(1000), false));
            assertThat(Zstd.findFrameCompressedSize(ended))
                    .as("the frame was ended")
                    .isEqualTo(ended.length);
            assertThat(decoded(ended)).isEqualTo(Arrays.copyOf(wal, 1000));

            byte[] twoFrames = stored(compressor.compress(bytes(50_000), false));
            assertThat(Zstd.findFrameCompressedSize(twoFrames)).isLessThan(twoFrames.length);
            assertThat(decoded(twoFrames)).isEqualTo(Arrays.copyOf(wal, 50_000));
            assertThat(Zstd.decompress(twoFrames, 50_000)).isEqualTo(Arrays.copyOf(wal, 50_000));

            plainRead = 0;
            byte[] whole = stored(compressor.compress(bytes(wal.length), true));
            assertThat(Zstd.findFrameCompressedSize(whole))
                    .as("one frame again")
                    .isEqualTo(whole.length);
            assertThat(decoded(whole)).isEqualTo(wal);
            assertThat(plainRead).as("compressed again from its first byte").isEqualTo(wal.length);
        }
    }

    @Test
    void aSegmentThatRestedWithNothingAfterIsStoredAsItsOneFrame() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            compressor.compress(bytes(wal.length - 5), false);
            compressor.rest();
            byte[] whole = stored(compressor.compress(bytes(wal.length), true));
            assertThat(Zstd.findFrameCompressedSize(whole)).isEqualTo(whole.length);
            assertThat(decoded(whole)).isEqualTo(wal);
        }
    }

    @Test
    void resetStartsTheNextSegmentAndFewerBytesThanCompressedAreRefused() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            compressor.compress(bytes(wal.length), true);
            assertThatThrownBy(() -> compressor.compress(bytes(10), false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already compressed up to " + wal.length);

            compressor.reset();
            byte[] next = stored(compressor.compress(bytes(10), false));
            assertThat(decoded(next)).isEqualTo(Arrays.copyOf(wal, 10));
        }
    }

    @Test
    void aShortReadFailsAndTheNextShipmentStartsOver() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            compressor.compress(bytes(1000), false);
            WalBytes torn = new Bytes(5000) {
                @Override
                public InputStream open() {
                    return new ByteArrayInputStream(wal, 0, 3000);
                }
            };
            assertThatThrownBy(() -> compressor.compress(torn, false))
                    .isInstanceOf(EOFException.class)
                    .hasMessageContaining("after 2000 of its 4000 bytes");
            assertThat(compressor.holdsContext()).isFalse();

            byte[] partial = stored(compressor.compress(bytes(5000), false));
            assertThat(decoded(partial)).isEqualTo(Arrays.copyOf(wal, 5000));
        }
    }

    @Test
    void nothingToCompressIsRefused() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            assertThatThrownBy(() -> compressor.compress(bytes(0), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no WAL to compress");
        }
    }

    @Test
    void itsSpoolFileIsNeverVisibleAndGoesWithIt() throws Exception {
        try (SegmentCompressor compressor = new SegmentCompressor(spool, LEVEL)) {
            compressor.compress(bytes(wal.length), true);
            assertThat(spoolFiles()).isZero();
        }
        assertThat(spoolFiles()).isZero();
    }

    @Test
    void oneFrameOfExactlyThePledgedBytesAtEverySizeAroundItsBuffers() throws Exception {
        for (int length : new int[] {0, 1, WalSpool.MAX_IO - 1, WalSpool.MAX_IO, WalSpool.MAX_IO + 1, wal.length}) {
            ByteArrayOutputStream stored = new ByteArrayOutputStream();
            SegmentCompressor.compress(new ByteArrayInputStream(wal, 0, length), length, LEVEL, stored);
            assertThat(decoded(stored.toByteArray())).as("%d bytes", length).isEqualTo(Arrays.copyOf(wal, length));
        }
        assertThatThrownBy(() -> SegmentCompressor.compress(
                        new ByteArrayInputStream(wal, 0, 100), 200, LEVEL, new ByteArrayOutputStream()))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("after 100 of its 200 bytes");
    }

    /** The first {@code length} bytes of {@link #wal}, counting what is read of them. */
    private WalBytes bytes(int length) {
        return new Bytes(length);
    }

    private class Bytes implements WalBytes {
        private final int length;

        Bytes(int length) {
            this.length = length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public InputStream open() {
            return new FilterInputStream(new ByteArrayInputStream(wal, 0, length)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    plainRead += Math.max(0, n);
                    return n;
                }
            };
        }

        @Override
        public CompressedWal compressed() {
            throw new UnsupportedOperationException("the compressor under test is asked directly");
        }
    }

    private static byte[] stored(CompressedWal compressed) throws IOException {
        try (InputStream in = compressed.open()) {
            byte[] bytes = in.readAllBytes();
            assertThat(bytes).hasSize((int) compressed.length());
            assertThat(compressed.sha256()).as("the hash of what it reads").isEqualTo(SegmentShipper.sha256Hex(bytes));
            return bytes;
        }
    }

    /** As every reader of stored WAL decodes it. */
    private static byte[] decoded(byte[] stored) throws IOException {
        try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(stored))) {
            return in.readAllBytes();
        }
    }

    private long spoolFiles() throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.count();
        }
    }
}
