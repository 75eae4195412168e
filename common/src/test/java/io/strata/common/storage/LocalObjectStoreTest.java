package io.strata.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {
    @TempDir
    Path root;

    @Test
    void completedUploadIsVisibleWithItsBytes() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        try (ObjectUpload upload = store.create("shop/backups/b1/dump.zst")) {
            upload.write("hello".getBytes(StandardCharsets.UTF_8));
            assertThat(upload.complete()).isEqualTo(5);
        }

        assertThat(store.readAll("shop/backups/b1/dump.zst"))
                .asString(StandardCharsets.UTF_8)
                .isEqualTo("hello");
        assertThat(store.list("shop/")).singleElement().satisfies(info -> {
            assertThat(info.key()).isEqualTo("shop/backups/b1/dump.zst");
            assertThat(info.size()).isEqualTo(5);
            assertThat(info.lastModified()).isNotNull();
        });
        assertThat(store.pendingUploads("shop/")).isEmpty();
    }

    @Test
    void abortedOrUnclosedUploadLeavesNothing() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        try (ObjectUpload upload = store.create("shop/backups/b2/dump.zst")) {
            upload.write(new byte[1000]);
        }

        assertThat(store.stat("shop/backups/b2/dump.zst")).isEmpty();
        assertThat(store.list("")).isEmpty();
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void missingObjectIsReportedAsSuch() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        assertThatThrownBy(() -> store.open("nope")).isInstanceOf(NoSuchObjectException.class);
    }

    @Test
    void keysCannotEscapeTheRoot() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        assertThatThrownBy(() -> store.put("../outside", new byte[1])).isInstanceOf(IllegalArgumentException.class);
    }
}
