package io.strata.backup.physical;

import io.strata.common.blocks.TarFollower;
import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * Keeps a copy of the tar member named {@code backup_manifest} as the stream passes a {@link TarFollower}:
 * PostgreSQL's own manifest, which {@code pg_basebackup -D - -Ft} and {@link BaseBackupStream} append to the tar. Only that member is
 * held in memory (up to 256 MiB; a larger one is not kept, and the backup then fails for want of it).
 */
final class ManifestCapture implements TarFollower.Listener {
    static final String MEMBER = "backup_manifest";
    private static final int MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
    private ByteArrayOutputStream capture;
    private byte[] manifest;

    /** The manifest's bytes, once the stream has passed it. */
    Optional<byte[]> manifest() {
        return Optional.ofNullable(manifest);
    }

    @Override
    public void member(TarFollower.Member member) {
        if (member.type() == TarFollower.Type.FILE
                && MEMBER.equals(member.name())
                && member.size() <= MAX_MANIFEST_BYTES) {
            capture = new ByteArrayOutputStream((int) member.size());
        }
    }

    @Override
    public void data(byte[] bytes, int offset, int length) {
        if (capture != null) {
            capture.write(bytes, offset, length);
        }
    }

    @Override
    public void memberEnd(TarFollower.Member member) {
        if (capture != null) {
            manifest = capture.toByteArray();
            capture = null;
        }
    }
}
