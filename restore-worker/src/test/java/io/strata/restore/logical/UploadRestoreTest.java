package io.strata.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RestoreUpload.UploadedArchive;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.jobs.JobFailureException;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadRestoreTest {
    @TempDir
    Path root;

    /**
     * The job removes its upload when it ends: a command naming another object (a backup's dump, another job's
     * upload) would have it read that object into a database and then delete it. Such a command fails before
     * anything is read, and the object stays.
     */
    @Test
    void aCommandNamingAnyObjectButItsOwnUploadFailsAndTouchesNothing() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        JobId jobId = JobId.random();
        String[] foreign = {
            "shop/backups/20260101T000000Z-abcdef/dump.pgc.zst",
            StorageLayout.uploadKey("shop", JobId.random()),
            StorageLayout.uploadKey("other", jobId),
            "shop/uploads/" + jobId + "/../../backups/x/manifest.json"
        };
        // no catalog, database or keys: nothing past the check may be reached
        UploadRestore restore = new UploadRestore(null, store, null, null, null, null, null, null, null);
        for (String key : foreign) {
            if (!key.contains("..")) {
                store.put(key, new byte[] {1, 2, 3});
            }
            RestoreUpload command = new RestoreUpload(
                    RestoreUpload.SCHEMA_VERSION,
                    jobId,
                    "shop",
                    new UploadedArchive(key, "x.dump", "custom", 3, "00".repeat(32), 3, "00".repeat(32)),
                    RestoreInto.newDatabase("shop_uploaded"),
                    null,
                    null,
                    Instant.now());

            assertThatThrownBy(() -> restore.run(command, null))
                    .isInstanceOfSatisfying(JobFailureException.class, e -> {
                        assertThat(e.code()).isEqualTo(FailureCode.INVALID_COMMAND);
                        assertThat(e.getMessage()).contains(StorageLayout.uploadKey("shop", jobId));
                    });
            if (!key.contains("..")) {
                assertThat(store.stat(key)).as(key + " is left alone").isPresent();
            }
        }
    }
}
