package io.strata.backup.physical;

import io.strata.common.messaging.Json;
import io.strata.common.model.Lsn;
import tools.jackson.databind.JsonNode;

/**
 * The WAL range of a base backup, read from PostgreSQL's own {@code backup_manifest}
 * ({@code "WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100"}]}): the
 * backup is consistent once WAL up to {@code endLsn} on {@code timeline} is replayed.
 */
record BaseBackupManifest(Lsn startLsn, Lsn endLsn, int timeline) {

    static BaseBackupManifest parse(byte[] manifest) {
        JsonNode ranges = Json.mapper().readTree(manifest).path("WAL-Ranges");
        if (!ranges.isArray() || ranges.isEmpty()) {
            throw new IllegalArgumentException("backup_manifest has no WAL-Ranges");
        }
        JsonNode first = ranges.get(0);
        JsonNode last = ranges.get(ranges.size() - 1);
        return new BaseBackupManifest(
                Lsn.parse(first.path("Start-LSN").asString()),
                Lsn.parse(last.path("End-LSN").asString()),
                last.path("Timeline").asInt());
    }
}
