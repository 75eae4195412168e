// Throughput of Strata's STRATA-ENC streams on one core, for scale next to bench/encryption-overhead.sh.
// Run: java -cp common/target/common-0.1.0-SNAPSHOT.jar bench/java/EncryptionThroughput.java [MiB, default 1024]
import io.strata.common.crypto.DecryptingInputStream;
import io.strata.common.crypto.EncryptingOutputStream;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

public class EncryptionThroughput {
    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        EncryptionKey key = EncryptionKey.generate("bench");
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        for (int round = 0; round < 3; round++) { // the first rounds warm up the JIT (AES and GHASH intrinsics)
            long t = System.nanoTime();
            ByteArrayOutputStream sealed = new ByteArrayOutputStream(64 << 20);
            long encryptNanos = 0;
            long decryptNanos = 0;
            for (int done = 0; done < mib; done += 64) {
                sealed.reset();
                long e0 = System.nanoTime();
                try (OutputStream out = new EncryptingOutputStream(sealed, key)) {
                    for (int i = 0; i < 64; i++) {
                        out.write(block);
                    }
                }
                encryptNanos += System.nanoTime() - e0;
                long d0 = System.nanoTime();
                try (InputStream in = new DecryptingInputStream(
                        new ByteArrayInputStream(sealed.toByteArray()), Keyring.of("bench", key))) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                decryptNanos += System.nanoTime() - d0;
            }
            System.out.printf(
                    "round %d: %d MiB  encrypt %.2f GB/s  decrypt %.2f GB/s  (%s)%n",
                    round + 1,
                    mib,
                    mib * 1048576.0 / encryptNanos,
                    mib * 1048576.0 / decryptNanos,
                    System.getProperty("java.vm.version"));
        }
    }
}
