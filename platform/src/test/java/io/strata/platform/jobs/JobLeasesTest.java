package io.strata.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Message;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobExecution.Outcome;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class JobLeasesTest {
    private final JobId jobId = JobId.random();
    private final Headers published = new Headers();

    @Test
    void aClaimedJobRunsAndEveryEventCarriesTheLeaseToken() {
        FakeCatalog catalog = new FakeCatalog(7, true);
        JobLeases leases = new JobLeases(catalog, "backup-worker@h:1", Duration.ofSeconds(30));

        Optional<Outcome> outcome = leases.runClaimed(reporter(), "starting", () -> null);

        assertThat(outcome).containsInstanceOf(Outcome.Succeeded.class);
        assertThat(catalog.claims).containsExactly(new JobClaim("backup-worker@h:1", 30));
        assertThat(published.all)
                .isNotEmpty()
                .allSatisfy(headers -> assertThat(headers).containsEntry(CloudEventHeaders.LEASE_TOKEN, "7"));
    }

    @Test
    void aJobTheCatalogRefusesDoesNotRun() {
        FakeCatalog catalog = new FakeCatalog(0, true);
        catalog.grant = false;
        AtomicBoolean ran = new AtomicBoolean();

        Optional<Outcome> outcome = new JobLeases(catalog, "w", Duration.ofSeconds(30))
                .runClaimed(reporter(), "starting", () -> {
                    ran.set(true);
                    return null;
                });

        assertThat(outcome).isEmpty();
        assertThat(ran).isFalse();
        assertThat(published.all).isEmpty();
        assertThat(catalog.claims)
                .as("refused, looked up, refused again: final")
                .hasSize(2);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void losingTheLeaseInterruptsTheRunAndLeavesTheCallerUninterrupted() {
        FakeCatalog catalog = new FakeCatalog(3, false); // every renewal is refused: the job was given away
        JobLeases leases = new JobLeases(catalog, "w", Duration.ofSeconds(3));

        Optional<Outcome> outcome = leases.runClaimed(reporter(), "starting", () -> {
            Thread.sleep(15_000); // a long step; the lost lease must cut it short
            return null;
        });

        assertThat(outcome)
                .hasValueSatisfying(ended -> assertThat(ended)
                        .isInstanceOfSatisfying(
                                Outcome.Failed.class,
                                failed -> assertThat(failed.code()).isEqualTo(FailureCode.INTERNAL)));
        assertThat(catalog.renewals).isNotEmpty();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aCancelInAHeartbeatAnswerStopsTheRunAndEndsItCancelled() {
        FakeCatalog catalog = new FakeCatalog(3, true);
        catalog.cancel = true;
        JobLeases leases = new JobLeases(catalog, "w", Duration.ofSeconds(30)); // renewals every 2 s

        long started = System.nanoTime();
        Optional<Outcome> outcome = leases.runClaimed(reporter(), "dumping", () -> {
            Thread.sleep(15_000);
            return null;
        });

        assertThat(outcome)
                .hasValueSatisfying(ended -> assertThat(ended)
                        .isInstanceOfSatisfying(
                                Outcome.Failed.class,
                                failed -> assertThat(failed.code()).isEqualTo(FailureCode.CANCELLED)));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aJobPastItsPointOfNoReturnFinishesDespiteACancel() {
        FakeCatalog catalog = new FakeCatalog(3, true);
        catalog.cancel = true;
        JobLeases leases = new JobLeases(catalog, "w", Duration.ofSeconds(30));

        Optional<Outcome> outcome = leases.runClaimed(reporter(), "swapping", () -> {
            JobCancellation.pointOfNoReturn("renaming the restored copy into place (test)");
            Thread.sleep(3_000); // past the first renewal, which carries the cancel
            return null;
        });

        assertThat(outcome).containsInstanceOf(Outcome.Succeeded.class);
        assertThat(catalog.renewals).isNotEmpty();
    }

    private JobReporter reporter() {
        JobRef ref = new JobRef(jobId, JobKind.BACKUP, "shop", null, null);
        return new JobReporter(published, Clock.systemUTC(), ref, Duration.ZERO, "test");
    }

    /** Keeps the headers of every published record. */
    private static final class Headers extends MessagePublisher {
        final List<Map<String, String>> all = new CopyOnWriteArrayList<>();

        Headers() {
            super(null, "test", Clock.systemUTC());
        }

        @Override
        public void publish(String topic, Message message, String ceId, Map<String, String> extraHeaders) {
            all.add(extraHeaders);
        }
    }

    /** A catalog that grants claims with a fixed token and renews (or refuses to renew) leases. */
    /** The command reached the worker before the catalog recorded its job, which it did during the claim. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aJobTheCatalogRecordsWhileItIsClaimedIsClaimedAgainNotDropped() {
        FakeCatalog catalog = new FakeCatalog(4, true);
        catalog.grant = false; // unknown at the first claim
        catalog.onJobLookup = () -> catalog.grant = true; // recorded by the time the worker looks
        JobLeases leases = new JobLeases(catalog, "w", Duration.ofSeconds(30));

        Optional<Outcome> outcome = leases.runClaimed(reporter(), "dumping", () -> null);

        assertThat(outcome).containsInstanceOf(Outcome.Succeeded.class);
        assertThat(catalog.claims).hasSize(2);
    }

    private final class FakeCatalog extends CatalogClient {
        final List<JobClaim> claims = new CopyOnWriteArrayList<>();
        final List<LeaseRenewal> renewals = new CopyOnWriteArrayList<>();
        private final long token;
        private final boolean renew;
        volatile boolean grant = true;
        volatile boolean cancel;
        volatile Runnable onJobLookup = () -> {};

        FakeCatalog(long token, boolean renew) {
            super(null);
            this.token = token;
            this.renew = renew;
        }

        @Override
        public Optional<JobLease> claim(String id, JobClaim claim) {
            claims.add(claim);
            // a cancel arrives with a heartbeat answer, after the job started
            return grant
                    ? Optional.of(new JobLease(
                            jobId.toString(),
                            claim.owner(),
                            token,
                            Instant.now().plusSeconds(30)))
                    : Optional.empty();
        }

        @Override
        public Optional<JobLease> heartbeat(String id, LeaseRenewal renewal) {
            renewals.add(renewal);
            return renew ? Optional.of(lease(renewal.owner())) : Optional.empty();
        }

        @Override
        public Optional<JobView> job(String id) {
            onJobLookup.run();
            return Optional.of(new JobView(
                    id, JobKind.BACKUP, "shop", null, 0, null, 0, 0, Instant.now(), null, null, null, null, null));
        }

        private JobLease lease(String owner) {
            return new JobLease(jobId.toString(), owner, token, Instant.now().plusSeconds(30), cancel);
        }
    }
}
