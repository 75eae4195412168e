package io.strata.platform.logical;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.Keyring;
import io.strata.common.storage.LocalObjectStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects written but not yet published: visible only once published, and nothing left when dropped. */
class CompressedUploadTest {
    private static final CompressedUpload.Zstd ZSTD = new CompressedUpload.Zstd(1, 0);
    private static final byte[] CONTENT =
            "the tar of a base backup\n".repeat(1000).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void anUnpublishedObjectIsInvisibleUntilPublishedAndItsHashIsKnownBefore() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        try (CompressedUpload.Unpublished written = CompressedUpload.writeUnpublished(
                store, "a/base.tar.zst", counting(), ZSTD, Keyring.none(), () -> {})) {
            assertThat(store.list("a/")).isEmpty();
            assertThat(written.stored().rawBytes()).isEqualTo(CONTENT.length);
            CompressedUpload.Stored stored = written.publish();
            assertThat(stored).isEqualTo(written.stored());
        }
        assertThat(store.list("a/"))
                .singleElement()
                .satisfies(info -> assertThat(info.key()).isEqualTo("a/base.tar.zst"));
        try (InputStream in = new ZstdInputStream(store.open("a/base.tar.zst"))) {
            assertThat(in.readAllBytes()).isEqualTo(CONTENT);
        }
    }

    @Test
    void anUnpublishedObjectClosedLeavesNothingBehind() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        CompressedUpload.Unpublished written =
                CompressedUpload.writeUnpublished(store, "a/base.tar.zst", counting(), ZSTD, Keyring.none(), () -> {});
        written.close();
        try (CompressedUpload.Sink sink = CompressedUpload.open(store, "a/blocks.pack.zst", ZSTD, Keyring.none())) {
            sink.stream().write(CONTENT);
            sink.finish().close();
        }
        assertThat(store.list("a/")).isEmpty();
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile))
                    .as("no partial file either")
                    .isEmpty();
        }
    }

    private static CountingInputStream counting() {
        return new CountingInputStream(new ByteArrayInputStream(CONTENT));
    }
}
