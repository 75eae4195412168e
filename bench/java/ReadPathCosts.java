// Where the backup-worker's reading thread spends CPU on a base backup's stream, stage by stage (bench/read-path.sh
// compiles and runs it; it sits in the worker's package to drive its package-private BaseBackupStream).
// Each mode adds one stage to the one before, on the worker's own classes and the same 64 KiB reads:
//   read       BASE_BACKUP over the worker's replication session (socket receive, message framing)
//   tar        + TarFollower (member headers)
//   hash       + BlockDiffer of a FULL: XXH3 of every 8 KiB block, the block map
//   pack       + every block packed (an INCREMENTAL whose parent has no file: the worst case), to nowhere
//   pack-zstd  + the pack through zstd (level and workers as the worker's defaults: 1 and 2)
//   full-zstd  a FULL: the tar through zstd, with the block map
//   pack-store       the pack as stored with compression off: AES-256-GCM and SHA-256 of all of it (what
//                    "don't compress" would cost instead)
//   pack-zstd-store  the pack as the worker stores it: zstd, then AES-256-GCM and SHA-256 of the compressed bytes
// Printed per round: wall, CPU of the reading thread, CPU of the whole JVM (zstd's threads included).
// Usage: java -cp <classes>:<worker's jars> io.strata.backup.physical.ReadPathCosts port rounds mode...
package io.strata.backup.physical;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.common.blocks.BlockDiffer;
import io.strata.common.blocks.BlockMap;
import io.strata.common.blocks.BlockPack;
import io.strata.common.blocks.ParentBlocks;
import io.strata.common.blocks.TarFollower;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.storage.HashingOutputStream;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceNetworks;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

public class ReadPathCosts {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        SourceConnection source = new SourceConnection("bench", "127.0.0.1", port, "postgres", "postgres", "");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Path scratch = Files.createTempDirectory("read-path-costs");
        Keyring keys = Keyring.of("bench", EncryptionKey.generate("bench"));
        ByteArrayOutputStream emptyMap = new ByteArrayOutputStream();
        new BlockMap.Writer(emptyMap).finish();
        for (String mode : Arrays.copyOfRange(args, 2, args.length)) {
            long[] wall = new long[rounds];
            long[] reading = new long[rounds];
            long[] process = new long[rounds];
            long mib = 0;
            for (int round = -1; round < rounds; round++) { // round -1 warms the JIT up, not counted
                ReplicationConnection connection = ReplicationConnection.open(source, SourceNetworks.of(List.of()), "bench");
                BaseBackupStream backup = new BaseBackupStream(connection, System.currentTimeMillis() / 1000);
                ParentBlocks parent = ParentBlocks.load(new ByteArrayInputStream(emptyMap.toByteArray()), "empty", scratch);
                long wall0 = System.nanoTime();
                long reading0 = threads.getCurrentThreadCpuTime();
                long process0 = os.getProcessCpuTime();
                // the stored object's path after compression: encrypted, then SHA-256 (as CompressedUpload does)
                HashingOutputStream hashing = new HashingOutputStream(OutputStream.nullOutputStream());
                OutputStream stored = mode.endsWith("-store")
                        ? ObjectEncryption.encrypt(hashing, keys)
                        : OutputStream.nullOutputStream();
                OutputStream zstd = stored;
                if (mode.endsWith("zstd") || mode.equals("pack-zstd-store")) {
                    ZstdOutputStream z = new ZstdOutputStream(stored, 1);
                    z.setChecksum(!Boolean.getBoolean("noChecksum")); // -DnoChecksum=true: without zstd's own XXH64
                    z.setWorkers(2);
                    zstd = z;
                }
                BlockMap.Writer map = new BlockMap.Writer(new BufferedOutputStream(OutputStream.nullOutputStream(), 1 << 16));
                BlockPack.Writer pack = null;
                InputStream in = switch (mode) {
                    case "read" -> backup;
                    case "tar" -> new TarFollower(backup, new TarFollower.Listener() {
                        public void member(TarFollower.Member member) {}

                        public void data(byte[] bytes, int offset, int length) {}

                        public void memberEnd(TarFollower.Member member) {}
                    });
                    case "hash", "full-zstd" ->
                        new TarFollower(backup, new BlockDiffer(map, null, null, Set.of("backup_manifest")));
                    case "pack", "pack-zstd", "pack-store", "pack-zstd-store" -> {
                        pack = new BlockPack.Writer(new BufferedOutputStream(zstd, 1 << 16));
                        yield new TarFollower(backup, new BlockDiffer(map, parent, pack, Set.of("backup_manifest")));
                    }
                    default -> throw new IllegalArgumentException("unknown mode " + mode);
                };
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    total += n;
                    if (mode.equals("full-zstd")) {
                        zstd.write(buffer, 0, n);
                    }
                }
                if (pack != null) {
                    pack.finish();
                }
                zstd.close();
                map.finish();
                if (round >= 0) {
                    wall[round] = (System.nanoTime() - wall0) / 1_000_000;
                    reading[round] = (threads.getCurrentThreadCpuTime() - reading0) / 1_000_000;
                    process[round] = (os.getProcessCpuTime() - process0) / 1_000_000;
                    mib = total >> 20;
                }
                parent.close();
                connection.close();
            }
            System.out.printf(
                    "%-9s %d MiB, median of %d: wall %d ms, reading thread %d CPU-ms, whole JVM %d CPU-ms (rounds: wall %s, reading %s, JVM %s)%n",
                    mode, mib, rounds, median(wall), median(reading), median(process),
                    Arrays.toString(wall), Arrays.toString(reading), Arrays.toString(process));
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
