package io.strata.gateway.restorepoints;

import io.strata.common.model.Names;
import io.strata.common.storage.HashingOutputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Whether a restore point can be recovered to: the catalog's plan must hold (a base backup before it,
 * no WAL gap), and every WAL segment of the plan must be in the object store with the SHA-256 recorded
 * when it was archived. The segments are read and hashed here, not taken on trust.
 */
@RestController
class RestorePointVerification {
    private final CatalogProxy catalog;
    private final ObjectStore store;

    RestorePointVerification(CatalogProxy catalog, ObjectStore store) {
        this.catalog = catalog;
        this.store = store;
    }

    @PostMapping("/api/v1/sources/{source}/restore-points/{name}/verify")
    Verification verify(@PathVariable String source, @PathVariable String name) {
        if (!Names.isSource(source)) {
            throw ApiException.notFound("source '" + source + "' is not registered");
        }
        Attempt first = attempt(source, name);
        // The archive's newest segment may be a partial that the archiver replaced while we read it (same
        // key, longer content): a fresh plan names the new one. Real damage fails both times.
        return first.partialChanged() ? attempt(source, name).verification() : first.verification();
    }

    private Attempt attempt(String source, String name) {
        RecoveryPlan plan = catalog.restorePointPlan(source, name)
                .orElseThrow(() -> ApiException.notFound(
                        "restore point '" + name + "' of source '" + source + "' does not exist"));
        String baseBackupId = plan.base() == null ? null : plan.base().backupId();
        if (!plan.possible()) {
            return new Attempt(new Verification(false, plan.problem(), baseBackupId, 0, 0), false);
        }
        List<String> bad = new ArrayList<>();
        long bytes = 0;
        boolean partialChanged = false;
        List<PlannedSegment> needed = plan.neededSegments();
        for (PlannedSegment segment : needed) {
            int before = bad.size();
            bytes += check(segment, bad);
            partialChanged |= segment.partial() && bad.size() > before;
        }
        for (PlannedSegment history : plan.histories()) { // a restore fetches them all before recovery starts
            bytes += check(history, bad);
        }
        String reason = bad.isEmpty() ? null : "archived WAL does not match its records: " + String.join("; ", bad);
        return new Attempt(new Verification(bad.isEmpty(), reason, baseBackupId, needed.size(), bytes), partialChanged);
    }

    private record Attempt(Verification verification, boolean partialChanged) {}

    /** Hashes one stored segment; adds what is wrong with it to {@code bad}. Returns the bytes read. */
    private long check(PlannedSegment segment, List<String> bad) {
        HashingOutputStream hash = new HashingOutputStream(OutputStream.nullOutputStream());
        try (InputStream in = store.open(segment.key())) {
            in.transferTo(hash);
        } catch (NoSuchObjectException e) {
            bad.add(segment.segment() + " is missing from " + store.describe());
            return 0;
        } catch (IOException e) {
            throw ApiException.unavailable(
                    "cannot read " + segment.key() + " from " + store.describe() + ": " + e.getMessage()
                            + "; check the object store and verify again",
                    e);
        }
        if (!hash.sha256Hex().equals(segment.sha256())) {
            bad.add(segment.segment() + " has SHA-256 " + hash.sha256Hex() + ", archived as " + segment.sha256());
        }
        return hash.count();
    }

    /** {@code POST .../verify}: {@code reason} says why not when {@code restorable} is false. */
    record Verification(boolean restorable, String reason, String baseBackupId, int walSegments, long verifiedBytes) {}
}
