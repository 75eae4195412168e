package io.strata.common.storage;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory. A write goes to a hidden temporary file that is fsynced and
 * renamed into place on completion, so a reader never sees half an object.
 */
public final class LocalObjectStore implements ObjectStore {
    private static final String PARTIAL_MARK = ".partial-";
    private final Path root;

    public LocalObjectStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
    }

    @Override
    public ObjectUpload create(String key) throws IOException {
        Path target = resolve(key);
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling("." + target.getFileName() + PARTIAL_MARK + UUID.randomUUID());
        OutputStream out =
                new BufferedOutputStream(Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW), 1 << 16);
        return new ObjectUpload() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                written++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                written += len;
            }

            @Override
            protected long doComplete() throws IOException {
                out.close();
                try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                moveIntoPlace(partial, target);
                return written;
            }

            @Override
            protected void doAbort() {
                try {
                    out.close();
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // the partial file is hidden and never listed; a later cleanup may remove it
                }
            }
        };
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        try (ObjectUpload upload = create(key)) {
            upload.write(content);
            upload.complete();
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return Files.newInputStream(resolve(key));
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(key);
        }
    }

    @Override
    public InputStream openRange(String key, long offset, long length) throws IOException {
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(resolve(key));
        } catch (NoSuchFileException e) {
            throw new NoSuchObjectException(key);
        }
        channel.position(offset);
        InputStream whole = Channels.newInputStream(channel);
        return new FilterInputStream(whole) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = in.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path path = resolve(key);
        return Files.isRegularFile(path) ? Optional.of(new ObjectInfo(key, Files.size(path))) : Optional.empty();
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String key = root.relativize(file).toString().replace('\\', '/');
                if (key.startsWith(prefix) && !file.getFileName().toString().contains(PARTIAL_MARK)) {
                    found.add(new ObjectInfo(
                            key,
                            Files.size(file),
                            Files.getLastModifiedTime(file).toInstant()));
                }
            }
        }
        return found;
    }

    /** Hidden partial files: writes a killed process never completed nor aborted. */
    @Override
    public List<PendingUpload> pendingUploads(String prefix) throws IOException {
        List<PendingUpload> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String name = file.getFileName().toString();
                int mark = name.indexOf(PARTIAL_MARK);
                if (!name.startsWith(".") || mark < 0) {
                    continue;
                }
                String dir = root.relativize(file.getParent()).toString().replace('\\', '/');
                String key = (dir.isEmpty() ? "" : dir + "/") + name.substring(1, mark);
                if (key.startsWith(prefix)) {
                    String partial = root.relativize(file).toString().replace('\\', '/');
                    found.add(new PendingUpload(
                            key, partial, Files.getLastModifiedTime(file).toInstant()));
                }
            }
        }
        return found;
    }

    @Override
    public void abortUpload(PendingUpload upload) throws IOException {
        Path partial = resolve(upload.uploadId());
        if (!partial.getFileName().toString().contains(PARTIAL_MARK)) {
            throw new IllegalArgumentException("not a partial write of this store: " + upload.uploadId());
        }
        Files.deleteIfExists(partial);
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(resolve(key));
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (key.isEmpty() || !path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("object key escapes the storage root: " + key);
        }
        return path;
    }

    private static void moveIntoPlace(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
