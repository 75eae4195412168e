package io.strata.backup.physical;

import io.strata.common.messaging.Json;
import io.strata.common.model.Lsn;
import tools.jackson.databind.JsonNode;

/**
 * The WAL range of a base backup, read from PostgreSQL's own {@code backup_manifest}
 * ({@code "WAL-Ranges": [{"Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100"}]}): the
 * backup is consistent once WAL up to {@code endLsn} on {@code timeline} is replayed.
 *
 * <p>A backup during which the server's timeline changed (a standby promoted, or following its upstream's
 * new timeline) has one range per timeline, the newest first (PostgreSQL's {@code
 * AddWALInfoToBackupManifest} walks the timeline history from the backup's end back to its start): the
 * backup starts in the last range and ends, on the newest timeline, in the first.
 */
record BaseBackupManifest(Lsn startLsn, Lsn endLsn, int timeline, int startTimeline) {

    /** Whether the server changed timeline while the backup ran (its WAL lies on more than one). */
    boolean acrossTimelines() {
        return startTimeline != timeline;
    }

    static BaseBackupManifest parse(byte[] manifest) {
        JsonNode ranges = Json.mapper().readTree(manifest).path("WAL-Ranges");
        if (!ranges.isArray() || ranges.isEmpty()) {
            throw new IllegalArgumentException("backup_manifest has no WAL-Ranges");
        }
        JsonNode newest = ranges.get(0);
        JsonNode oldest = ranges.get(ranges.size() - 1);
        return new BaseBackupManifest(
                Lsn.parse(oldest.path("Start-LSN").asString()),
                Lsn.parse(newest.path("End-LSN").asString()),
                newest.path("Timeline").asInt(),
                oldest.path("Timeline").asInt());
    }
}
