package io.strata.platform.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Files only this process's user may read: passfiles and CA certificates handed to PostgreSQL's programs. */
final class PrivateFiles {
    private PrivateFiles() {}

    /** A 0700 directory of this process under the temp directory, created once. */
    static Path directory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(
                    prefix + "-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a private directory for passfiles: " + e.getMessage(), e);
        }
    }

    /** A new 0600 file holding {@code content}. */
    static Path write(Path dir, String prefix, String content) throws IOException {
        Path file = Files.createTempFile(
                dir, prefix, "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    /** A 0600 file named by its content's hash, written once (certificates are reused by every connection). */
    static synchronized Path contentAddressed(Path dir, String prefix, String suffix, String content) {
        Path file = dir.resolve(prefix + sha256(content).substring(0, 32) + suffix);
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                Path written = write(dir, prefix, content);
                Files.move(written, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a CA certificate file: " + e.getMessage(), e);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the directory is private and removed when the process ends
        }
    }

    private static String sha256(String content) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
