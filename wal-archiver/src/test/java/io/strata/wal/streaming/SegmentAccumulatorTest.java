package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentAccumulatorTest {
    private static final long SEGMENT_SIZE = 1024;

    @TempDir
    Path spool;

    private record Completed(String name, byte[] content) {}

    @Test
    void oddChunksAcrossSegmentBoundariesYieldWholeSegmentsInOrder() throws Exception {
        WalSegmentName first = new WalSegmentName(3, 0x1_0000_0000L / SEGMENT_SIZE - 2, SEGMENT_SIZE);
        byte[] wal = new byte[(int) (SEGMENT_SIZE * 3 + 357)];
        new Random(42).nextBytes(wal);
        SegmentAccumulator accumulator = new SegmentAccumulator(first, spool);
        List<Completed> completed = new ArrayList<>();

        Random chunks = new Random(7);
        int offset = 0;
        while (offset < wal.length) {
            int size = Math.min(wal.length - offset, 1 + chunks.nextInt(700));
            accumulator.accept(
                    new Lsn(first.startLsn().value() + offset),
                    ByteBuffer.wrap(wal, offset, size).slice(),
                    (segment, content) -> completed.add(new Completed(segment.toString(), read(content))));
            offset += size;
        }

        // the third segment starts a new 4 GiB "log file": the name's middle part rolls over
        assertThat(completed)
                .extracting(Completed::name)
                .containsExactly("0000000300000000003FFFFE", "0000000300000000003FFFFF", "000000030000000100000000");
        for (int i = 0; i < completed.size(); i++) {
            byte[] expected = Arrays.copyOfRange(wal, (int) (i * SEGMENT_SIZE), (int) ((i + 1) * SEGMENT_SIZE));
            assertThat(completed.get(i).content()).as("segment %d", i).isEqualTo(expected);
        }
        assertThat(accumulator.segment().toString()).isEqualTo("000000030000000100000001");
        assertThat(accumulator.held()).isEqualTo(357);
        assertThat(read(accumulator.heldBytes())).isEqualTo(Arrays.copyOfRange(wal, wal.length - 357, wal.length));
        assertThat(accumulator.position()).isEqualTo(new Lsn(first.startLsn().value() + wal.length));
    }

    @Test
    void aChunkEndingExactlyOnTheBoundaryCompletesTheSegmentAndStartsTheNextEmpty() throws Exception {
        WalSegmentName first = new WalSegmentName(1, 5, SEGMENT_SIZE);
        SegmentAccumulator accumulator = new SegmentAccumulator(first, spool);
        List<String> completed = new ArrayList<>();

        accumulator.accept(
                first.startLsn(), ByteBuffer.allocate((int) SEGMENT_SIZE), (s, c) -> completed.add(s.toString()));

        assertThat(completed).containsExactly(first.toString());
        assertThat(accumulator.segment()).isEqualTo(first.next());
        assertThat(accumulator.held()).isZero();
    }

    @Test
    void refusesWalThatDoesNotContinueWhereTheLastChunkEnded() throws Exception {
        WalSegmentName first = new WalSegmentName(1, 5, SEGMENT_SIZE);
        SegmentAccumulator accumulator = new SegmentAccumulator(first, spool);
        accumulator.accept(first.startLsn(), ByteBuffer.allocate(100), (s, c) -> {});

        Lsn skipped = new Lsn(first.startLsn().value() + 200);
        assertThatThrownBy(() -> accumulator.accept(skipped, ByteBuffer.allocate(10), (s, c) -> {}))
                .isInstanceOf(WalContinuityException.class)
                .hasMessageContaining(
                        "archive continues at " + new Lsn(first.startLsn().value() + 100));
        assertThat(accumulator.held()).isEqualTo(100);
    }

    @Test
    void theSpoolFileIsNeverVisibleInItsDirectoryAndIsGoneOnClose() throws Exception {
        WalSegmentName first = new WalSegmentName(1, 5, SEGMENT_SIZE);
        byte[] wal = new byte[(int) SEGMENT_SIZE + 10];
        new Random(1).nextBytes(wal);
        List<byte[]> completed = new ArrayList<>();
        try (SegmentAccumulator accumulator = new SegmentAccumulator(first, spool)) {
            accumulator.accept(first.startLsn(), ByteBuffer.wrap(wal), (s, c) -> completed.add(read(c)));

            assertThat(spoolFiles())
                    .as("unlinked as it was opened: a killed archiver leaves nothing")
                    .isEmpty();
            assertThat(read(accumulator.heldBytes()))
                    .isEqualTo(Arrays.copyOfRange(wal, (int) SEGMENT_SIZE, wal.length));
        }
        assertThat(completed).singleElement().isEqualTo(Arrays.copyOf(wal, (int) SEGMENT_SIZE));
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void heldBytesReadAsOftenAsAskedAndNeverPastWhatWasHeld() throws Exception {
        WalSegmentName first = new WalSegmentName(1, 5, SEGMENT_SIZE);
        try (SegmentAccumulator accumulator = new SegmentAccumulator(first, spool)) {
            accumulator.accept(first.startLsn(), ByteBuffer.wrap(new byte[] {1, 2, 3}), (s, c) -> {});
            SegmentAccumulator.WalBytes held = accumulator.heldBytes();
            // the next segment's bytes are overwritten in place: a view keeps the length it was taken with
            accumulator.accept(new Lsn(first.startLsn().value() + 3), ByteBuffer.wrap(new byte[] {4}), (s, c) -> {});

            assertThat(read(held)).containsExactly(1, 2, 3);
            assertThat(read(held)).containsExactly(1, 2, 3);
            assertThat(read(accumulator.heldBytes())).containsExactly(1, 2, 3, 4);
        }
    }

    private static byte[] read(SegmentAccumulator.WalBytes bytes) throws java.io.IOException {
        try (InputStream in = bytes.open()) {
            byte[] all = in.readAllBytes();
            assertThat(all).hasSize(bytes.length());
            return all;
        }
    }

    private List<Path> spoolFiles() throws java.io.IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.toList();
        }
    }
}
