package io.strata.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelDownloadTest {
    private static final int CHUNK = 64 * 1024;

    @Test
    void chunksFetchedAheadComeOutInOrder(@TempDir Path root) throws IOException {
        byte[] content = new byte[10 * CHUNK + 123];
        new Random(7).nextBytes(content);
        LocalObjectStore local = new LocalObjectStore(root);
        local.put("shop/backups/b/base.tar.zst", content);
        List<Long> ranges = new CopyOnWriteArrayList<>();

        try (ParallelDownload download = new ParallelDownload(
                recording(local, ranges, -1), "shop/backups/b/base.tar.zst", content.length, CHUNK, 3)) {
            assertThat(download.readAllBytes()).isEqualTo(content);
        }
        assertThat(ranges).hasSize(11).doesNotHaveDuplicates();
    }

    /** The store retries a request and resumes a cut body itself: the download does not wrap another loop around it. */
    @Test
    void aChunkWhoseReadFailsFailsTheStreamAfterOneRequest(@TempDir Path root) throws IOException {
        byte[] content = new byte[4 * CHUNK];
        LocalObjectStore local = new LocalObjectStore(root);
        local.put("k", content);
        List<Long> ranges = new CopyOnWriteArrayList<>();

        try (ParallelDownload download =
                new ParallelDownload(recording(local, ranges, 2L * CHUNK), "k", content.length, CHUNK, 2)) {
            assertThatThrownBy(download::readAllBytes)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("injected");
            assertThatThrownBy(download::read)
                    .as("the failed chunk is not skipped")
                    .hasMessageContaining("injected");
        }
        assertThat(ranges.stream().filter(offset -> offset == 2L * CHUNK)).hasSize(1);
    }

    /** {@code store}, recording the offset of every ranged read and failing the one at {@code failAt}. */
    private static ObjectStore recording(ObjectStore store, List<Long> ranges, long failAt) {
        return (ObjectStore) Proxy.newProxyInstance(
                ObjectStore.class.getClassLoader(), new Class<?>[] {ObjectStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("openRange")) {
                        long offset = (long) args[1];
                        ranges.add(offset);
                        if (offset == failAt) {
                            throw new IOException("injected: connection reset");
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
