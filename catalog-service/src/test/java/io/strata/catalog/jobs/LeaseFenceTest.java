package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.jobs.Job.Lease;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.model.JobKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LeaseFenceTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final LeaseFence fence = new LeaseFence(meters);

    @Test
    void readsTheDecimalTokenAndNothingWithoutTheHeader() {
        assertThat(LeaseFence.token(record(null))).isNull();
        assertThat(LeaseFence.token(record("42"))).isEqualTo(42L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1e3", " 7", "0x10", "99999999999999999999"})
    void refusesATokenThatIsNotADecimalNumber(String header) {
        assertThatThrownBy(() -> LeaseFence.token(record(header)))
                .isInstanceOf(InvalidContentException.class)
                .hasMessageContaining("strata_lease_token");
        assertThat(LeaseFence.tokenIfReadable(record(header))).isNull();
    }

    @Test
    void onlyALowerTokenThanTheJobsIsStaleAndItIsCounted() {
        Job job = new Job(
                new JobOrigin(UUID.randomUUID(), JobKind.BACKUP, "shop", null, null, Instant.EPOCH),
                JobState.queued(),
                new Lease("w-2", 5, null, null, 1),
                null);

        assertThat(fence.isStale(job, null, "JobProgressed")).isFalse();
        assertThat(fence.isStale(job, 5L, "JobProgressed")).isFalse();
        assertThat(fence.isStale(job, 6L, "JobProgressed")).isFalse();
        assertThat(fence.isStale(job, 4L, "JobProgressed")).isTrue();
        assertThat(meters.get(LeaseFence.METRIC).counter().count()).isEqualTo(1);
    }

    private static ConsumerRecord<String, String> record(String token) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>("strata.job.events", 0, 0L, "k", "{}");
        if (token != null) {
            record.headers().add(CloudEventHeaders.LEASE_TOKEN, token.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }
}
