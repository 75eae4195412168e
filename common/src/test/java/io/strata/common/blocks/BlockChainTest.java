package io.strata.common.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.storage.MalformedContentException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chain on real bytes: a full backup's tar is mapped, a later tar is diffed against that map, and the
 * full tar plus the pack, shaped by the later map, give back exactly the later tar's files.
 */
class BlockChainTest {
    private static final int B = BlockMap.BLOCK_SIZE;
    private final Random random = new Random(42);

    @Test
    void aFullPlusItsIncrementRebuildsTheLaterStateExactly(@TempDir Path dir) throws IOException {
        Map<String, byte[]> before = new LinkedHashMap<>();
        before.put("base/1/", null);
        before.put("base/1/16384", bytes(100 * B)); // a table: one block changes, one far away too
        before.put("base/1/16390", bytes(10 * B)); // dropped later
        before.put("base/1/16391", bytes(6 * B)); // truncated later
        before.put("base/1/16392", bytes(3 * B + 100)); // grows later
        before.put("global/pg_control", bytes(B));
        before.put("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes(StandardCharsets.UTF_8));
        before.put("backup_manifest", "{\"first\":true}".getBytes(StandardCharsets.UTF_8));

        Map<String, byte[]> after = new LinkedHashMap<>();
        after.put("base/1/", null);
        byte[] table = before.get("base/1/16384").clone();
        table[5 * B + 17] ^= 1; // a scattered page change
        table[77 * B] ^= 1;
        after.put("base/1/16384", table);
        after.put("base/1/16391", java.util.Arrays.copyOf(before.get("base/1/16391"), 2 * B));
        byte[] grown = java.util.Arrays.copyOf(before.get("base/1/16392"), 5 * B);
        for (int i = 3 * B + 100; i < grown.length; i++) {
            grown[i] = (byte) i;
        }
        after.put("base/1/16392", grown);
        after.put("base/2/", null);
        after.put("base/2/16400", bytes(2 * B + 5)); // a new database's table
        after.put("base/2/16401", new byte[0]); // a new empty table: no block to pack, made by shape
        after.put("pg_notify/", null); // a new empty directory, made by shape too
        after.put("global/pg_control", bytes(B));
        after.put("backup_label", "START WAL LOCATION: 0/5000028\n".getBytes(StandardCharsets.UTF_8));
        after.put("backup_manifest", "{\"second\":true}".getBytes(StandardCharsets.UTF_8));

        // the full backup: its tar is stored as is, and mapped
        ByteArrayOutputStream fullMap = new ByteArrayOutputStream();
        BlockMap.Writer fullWriter = new BlockMap.Writer(fullMap);
        BlockDiffer full = new BlockDiffer(fullWriter, null, null, Set.of("backup_manifest"));
        drain(new TarFollower(new ByteArrayInputStream(tar(before)), full));
        fullWriter.finish();
        assertThat(full.readBytes()).isEqualTo(100L * B + 10 * B + 6 * B + 3 * B + 100 + B + 30);

        // the increment: only what changed is packed
        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        ByteArrayOutputStream incrementMap = new ByteArrayOutputStream();
        BlockMap.Writer incrementWriter = new BlockMap.Writer(incrementMap);
        BlockPack.Writer packWriter = new BlockPack.Writer(pack);
        BlockDiffer increment;
        try (ParentBlocks parent =
                ParentBlocks.load(new ByteArrayInputStream(fullMap.toByteArray()), "full map", dir)) {
            increment = new BlockDiffer(incrementWriter, parent, packWriter, Set.of("backup_manifest"));
            drain(new TarFollower(new ByteArrayInputStream(tar(after)), increment));
        }
        packWriter.finish();
        incrementWriter.finish();
        // two pages of the table, the grown file's once-partial block and its new one, the new table (3 blocks),
        // pg_control and backup_label; nothing of the truncated file
        assertThat(packWriter.blocks()).isEqualTo(2 + 2 + 3 + 1 + 1);
        assertThat(increment.changedBytes()).isEqualTo(2L * B + 2L * B + (2L * B + 5) + B + 30);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("the parent's hashes are removed").isEmpty();
        }

        // restore: the full tar and the pack written once each, in either order, shaped by the increment's map
        Map<String, byte[]> expected = new TreeMap<>();
        after.forEach((name, content) -> {
            if (content != null && !name.equals("backup_manifest")) {
                expected.put(name, content);
            }
        });
        expected.put("backup_manifest", before.get("backup_manifest")); // kept: the restore writes the right one
        // planned from the increment's map, the tar does not write the dropped table, nor the truncated file's
        // blocks past its new size, while the pack is written at the same time
        Path planned = Files.createDirectory(dir.resolve("data-planned"));
        TargetLayout plan =
                TargetLayout.of(new BlockMap.Reader(new ByteArrayInputStream(incrementMap.toByteArray()), "map"));
        try (BlockApplier applier = new BlockApplier(planned, plan)) {
            java.util.concurrent.CompletableFuture<Void> packs = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    BlockPack.read(new ByteArrayInputStream(pack.toByteArray()), "pack", applier.packs());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            applier.untar(new ByteArrayInputStream(tar(before)));
            packs.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(applier.packBlocks()).isEqualTo(packWriter.blocks());
            // at most the table, the truncated file's first two blocks, the grown file, pg_control, backup_label:
            // what the pack claimed first is not written again
            assertThat(applier.tarBytes()).isLessThanOrEqualTo(100L * B + 2 * B + (3 * B + 100) + B + 30);
            assertThat(applier.skippedBytes()).isGreaterThanOrEqualTo(10L * B + 4 * B + 14); // and backup_manifest
        } catch (InterruptedException
                | java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
        BlockApplier.Shaped plannedShape = BlockApplier.shape(planned, plan, Set.of("backup_manifest", "pg_wal"));
        try (var all = Files.walk(planned)) { // what shape made too, as PostgreSQL keeps its files
            all.filter(path -> !path.equals(planned)).forEach(path -> {
                try {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
                            .as(planned.relativize(path).toString())
                            .isEqualTo(Files.isDirectory(path) ? "rwx------" : "rw-------");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(plannedShape.removed())
                .as("the dropped table was never written")
                .isZero();
        Map<String, byte[]> plannedFiles = files(planned);
        assertThat(plannedFiles)
                .containsOnlyKeys(after.keySet().stream()
                        .filter(name -> after.get(name) != null && !name.equals("backup_manifest"))
                        .toList());
        plannedFiles.forEach((name, content) -> assertThat(content).as(name).isEqualTo(after.get(name)));

        for (boolean packFirst : new boolean[] {false, true}) {
            Path data = Files.createDirectory(dir.resolve("data-" + packFirst));
            try (BlockApplier applier = new BlockApplier(data)) {
                if (packFirst) {
                    BlockPack.read(new ByteArrayInputStream(pack.toByteArray()), "pack", applier.packs());
                }
                assertThat(applier.untar(new ByteArrayInputStream(tar(before)))).isEqualTo(tar(before).length);
                if (!packFirst) {
                    BlockPack.read(new ByteArrayInputStream(pack.toByteArray()), "pack", applier.packs());
                }
                assertThat(applier.packBlocks()).isEqualTo(packWriter.blocks());
            }
            BlockApplier.Shaped shaped = BlockApplier.shape(
                    data,
                    TargetLayout.of(new BlockMap.Reader(new ByteArrayInputStream(incrementMap.toByteArray()), "map")),
                    Set.of("backup_manifest", "pg_wal"));
            assertThat(shaped.removed()).isEqualTo(1); // the dropped table
            assertThat(files(data)).as("pack first: " + packFirst).containsOnlyKeys(expected.keySet());
            expected.forEach((name, content) ->
                    assertThat(files(data).get(name)).as(name).isEqualTo(content));
        }
    }

    /**
     * Three backups change the same pages: whatever order the two threads' writes land in, each page ends as
     * the newest backup has it, and each page of a pack a newer pack also holds is not written at all.
     */
    @Test
    void theNewestBackupsBlockWinsWhateverTheOrderOfWrites(@TempDir Path dir) throws Exception {
        byte[] v0 = bytes(40 * B + 300);
        byte[] v1 = v0.clone();
        for (int page : new int[] {3, 4, 5, 20, 39}) {
            v1[page * B + 11] ^= 1;
        }
        // grown past one 1 MiB write of consecutive blocks, and pages 4 and 20 change again
        byte[] v2 = java.util.Arrays.copyOf(v1, 240 * B);
        v2[4 * B + 99] ^= 1;
        v2[20 * B] ^= 1;
        for (int i = 40 * B; i < v2.length; i++) {
            v2[i] = (byte) (i * 7);
        }
        Map<String, byte[]> s0 = Map.of("base/1/2000", v0);
        Map<String, byte[]> s1 = Map.of("base/1/2000", v1);
        Map<String, byte[]> s2 = Map.of("base/1/2000", v2);
        Chained full = chained(s0, null, dir);
        Chained first = chained(s1, full, dir);
        Chained second = chained(s2, first, dir);
        assertThat(first.blocks()).isEqualTo(5);
        assertThat(second.blocks()).isEqualTo(2 + 1 + 199); // pages 4 and 20, the once-partial page 40, 41-239

        for (String order : List.of("tar, newest pack, older pack", "packs, then tar", "at once")) {
            Path data = Files.createDirectory(
                    dir.resolve("data-" + order.replace(' ', '_').replace(",", "")));
            try (BlockApplier applier = new BlockApplier(data)) {
                Runnable packs = () -> {
                    try {
                        BlockPack.read(new ByteArrayInputStream(second.pack()), "second", applier.packs());
                        BlockPack.read(new ByteArrayInputStream(first.pack()), "first", applier.packs());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                switch (order) {
                    case "tar, newest pack, older pack" -> {
                        applier.untar(new ByteArrayInputStream(tar(s0)));
                        packs.run();
                    }
                    case "packs, then tar" -> {
                        packs.run();
                        applier.untar(new ByteArrayInputStream(tar(s0)));
                    }
                    default -> {
                        java.util.concurrent.CompletableFuture<Void> other =
                                java.util.concurrent.CompletableFuture.runAsync(packs);
                        applier.untar(new ByteArrayInputStream(tar(s0)));
                        other.get();
                    }
                }
                // pages 4 and 20 of the first pack are left to the second: written once
                assertThat(applier.packBlocks()).as(order).isEqualTo(202 + 3);
                assertThat(applier.packBytes() + applier.tarBytes())
                        .as(order)
                        .isLessThanOrEqualTo(v0.length + 205L * B);
            }
            BlockApplier.shape(
                    data,
                    TargetLayout.of(new BlockMap.Reader(new ByteArrayInputStream(second.map()), "map")),
                    Set.of());
            assertThat(Files.readAllBytes(data.resolve("base/1/2000")))
                    .as(order)
                    .isEqualTo(v2);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(data.resolve("base/1/2000"))))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(data.resolve("base/1"))))
                    .isEqualTo("rwx------");
        }
    }

    /** One backup of a chain: its map, and its pack when it has a parent. */
    private record Chained(byte[] map, byte[] pack, long blocks) {}

    private Chained chained(Map<String, byte[]> members, Chained parent, Path scratch) throws IOException {
        ByteArrayOutputStream map = new ByteArrayOutputStream();
        BlockMap.Writer mapWriter = new BlockMap.Writer(map);
        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        if (parent == null) {
            drain(new TarFollower(
                    new ByteArrayInputStream(tar(members)), new BlockDiffer(mapWriter, null, null, Set.of())));
            mapWriter.finish();
            return new Chained(map.toByteArray(), null, 0);
        }
        BlockPack.Writer packWriter = new BlockPack.Writer(pack);
        try (ParentBlocks blocks = ParentBlocks.load(new ByteArrayInputStream(parent.map()), "parent map", scratch)) {
            drain(new TarFollower(
                    new ByteArrayInputStream(tar(members)), new BlockDiffer(mapWriter, blocks, packWriter, Set.of())));
        }
        packWriter.finish();
        mapWriter.finish();
        return new Chained(map.toByteArray(), pack.toByteArray(), packWriter.blocks());
    }

    @Test
    void aMapOrPackCutShortIsAnErrorNotAShorterBackup() throws IOException {
        ByteArrayOutputStream map = new ByteArrayOutputStream();
        BlockMap.Writer writer = new BlockMap.Writer(map);
        writer.add(new BlockMap.Entry('f', "base/1/1", 0600, 10, new long[] {1}, null));
        writer.add(new BlockMap.Entry('f', "base/1/2", 0600, 10, new long[] {2}, null));
        writer.finish();
        byte[] whole = map.toByteArray();
        BlockMap.Reader cut = new BlockMap.Reader(
                new ByteArrayInputStream(java.util.Arrays.copyOf(whole, whole.length - 20)), "cut map");
        assertThat(cut.next()).isNotNull();
        assertThatThrownBy(() -> {
                    while (cut.next() != null) {}
                })
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("cut short");

        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        BlockPack.Writer packWriter = new BlockPack.Writer(pack);
        packWriter.file("base/1/1");
        packWriter.block(0, new byte[10], 0, 10);
        packWriter.finish();
        byte[] packed = pack.toByteArray();
        assertThatThrownBy(() -> BlockPack.read(
                        new ByteArrayInputStream(java.util.Arrays.copyOf(packed, packed.length - 3)),
                        "cut pack",
                        new BlockPack.BlockSink() {
                            @Override
                            public void file(String path) {}

                            @Override
                            public void block(int index, byte[] bytes, int length) {}
                        }))
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("cut short");
    }

    @Test
    void storedPathsThatLeaveTheDataDirectoryAreRefused(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("data/base"));
        Files.createSymbolicLink(dir.resolve("data/link"), dir);
        Path outside = Files.writeString(dir.resolve("outside"), "not the backup's");
        Files.createSymbolicLink(dir.resolve("data/base/planted"), outside);
        try (BlockApplier applier = new BlockApplier(dir.resolve("data"))) {
            BlockPack.BlockSink packs = applier.packs();
            assertThatThrownBy(() -> packs.file("../escape"))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("leaves the data directory");
            assertThatThrownBy(() -> packs.file("/etc/passwd"))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("refusing");
            assertThatThrownBy(() -> packs.file("link/x"))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("passes the link");
            assertThatThrownBy(() -> packs.file("base/planted")).isInstanceOf(IOException.class);
            Map<String, byte[]> tablespace = new LinkedHashMap<>();
            tablespace.put("base/1/", null);
            assertThatThrownBy(() -> applier.untar(new ByteArrayInputStream(withLink(tar(tablespace)))))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("restoring tablespaces is not supported");
        }
        assertThat(dir.resolve("escape")).doesNotExist();
        assertThat(Files.readString(outside)).isEqualTo("not the backup's");
    }

    /**
     * A tar header that does not parse, or a member Strata does not store, is the content's fault
     * ({@link MalformedContentException}), whether met by a backup (the differ) or a restore (the applier):
     * before, a bad size was a NumberFormatException, and a restore called any runtime failure malformed.
     */
    @Test
    void aTarThatDoesNotParseIsMalformedContent(@TempDir Path dir) throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("base/1/16384", bytes(2 * B));
        byte[] badSize = tar(members);
        put(badSize, 124, "00\u0007\n00001x"); // control characters are not echoed into job messages
        byte[] fifo = tar(members);
        fifo[156] = '6';
        byte[] hugeSize = tar(members);
        hugeSize[124] = (byte) 0x80;
        java.util.Arrays.fill(hugeSize, 125, 136, (byte) 0xFF);

        try (BlockApplier applier = new BlockApplier(dir.resolve("data-size"))) {
            assertThatThrownBy(() -> applier.untar(new ByteArrayInputStream(badSize)))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("the tar header of 'base/1/16384'")
                    .hasMessageContaining("'00??00001x0', not an octal number")
                    .hasMessageNotContaining("\n");
        }
        try (BlockApplier applier = new BlockApplier(dir.resolve("data-huge"))) {
            assertThatThrownBy(() -> applier.untar(new ByteArrayInputStream(hugeSize)))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("a base-256 number too large");
        }
        ByteArrayOutputStream map = new ByteArrayOutputStream();
        BlockDiffer differ = new BlockDiffer(new BlockMap.Writer(map), null, null, Set.of());
        assertThatThrownBy(() -> drain(new TarFollower(new ByteArrayInputStream(fifo), differ)))
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("neither a file, a directory nor a link");
        // a link (PostgreSQL sends them for tablespaces only) is refused when backed up, not stored unrestorable
        assertThatThrownBy(() -> drain(new TarFollower(new ByteArrayInputStream(withLink(tar(members))), differ)))
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("Strata does not back up tablespaces");
        // a size whose hashes the worker could not hold (a base-256 size of 2^40) is refused, not allocated
        byte[] terabyte = tar(members);
        terabyte[124] = (byte) 0x80;
        java.util.Arrays.fill(terabyte, 125, 136, (byte) 0);
        terabyte[130] = 1; // 2^40
        assertThatThrownBy(() -> drain(new TarFollower(new ByteArrayInputStream(terabyte), differ)))
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("Strata stores files of 0 to");
        try (BlockApplier applier = new BlockApplier(dir.resolve("data-fifo"))) {
            assertThatThrownBy(() -> applier.untar(new ByteArrayInputStream(fifo)))
                    .isInstanceOf(MalformedContentException.class)
                    .hasMessageContaining("neither a file, a directory nor a link");
        }
    }

    /**
     * A chain whose map lists a file longer than its tar and packs wrote (every object hashed as written,
     * so the backup itself is inconsistent) is malformed content: a restore fails BACKUP_MALFORMED.
     */
    @Test
    void aFileTheChainWroteShortIsMalformed(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream map = new ByteArrayOutputStream();
        BlockMap.Writer writer = new BlockMap.Writer(map);
        writer.add(new BlockMap.Entry('f', "base/1/16384", 0600, 3L * B, new long[] {1, 2, 3}, null));
        writer.finish();
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("base/1"));
        Files.write(data.resolve("base/1/16384"), bytes(B)); // one block of three

        assertThatThrownBy(() -> BlockApplier.shape(
                        data,
                        TargetLayout.of(new BlockMap.Reader(new ByteArrayInputStream(map.toByteArray()), "map")),
                        Set.of()))
                .isInstanceOf(MalformedContentException.class)
                .hasMessageContaining("base/1/16384 is 8192 bytes after the chain was applied");
    }

    /** The tar with its first member turned into a link to /etc (as a tablespace's link in pg_tblspc). */
    private static byte[] withLink(byte[] tar) {
        byte[] changed = tar.clone();
        changed[156] = '2';
        put(changed, 157, "/etc");
        return changed;
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStreamNull.INSTANCE);
    }

    /** A ustar stream as pg_basebackup writes it: directories end in '/', then the two zero blocks. */
    static byte[] tar(Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> member : members.entrySet()) {
            byte[] content = member.getValue();
            boolean directory = content == null;
            byte[] header = new byte[512];
            put(header, 0, member.getKey());
            put(header, 100, String.format("%07o", directory ? 0700 : 0600));
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, String.format("%011o", directory ? 0 : content.length));
            put(header, 136, "00000000000");
            header[156] = (byte) (directory ? '5' : '0');
            put(header, 257, "ustar");
            put(header, 263, "00");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xFF;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            out.write(header);
            if (!directory) {
                out.write(content);
                out.write(new byte[(512 - content.length % 512) % 512]);
            }
        }
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static Map<String, byte[]> files(Path root) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(path)) {
                    files.put(root.relativize(path).toString(), Files.readAllBytes(path));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return files;
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
