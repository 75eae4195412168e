package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;

class WalArchivingStatusTest {

    @Test
    void reportsThatContinuousArchivingIsNotImplemented() {
        Info.Builder builder = new Info.Builder();

        new WalArchivingStatus().contribute(builder);

        assertThat(builder.build().get("walArchiving"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.map(String.class, Object.class))
                .containsEntry("state", "NOT_IMPLEMENTED")
                .containsEntry("continuousArchiving", "not implemented yet")
                .containsEntry("streamingSources", 0);
    }

    @Test
    void contributesNothingElse() {
        Info.Builder builder = new Info.Builder();

        new WalArchivingStatus().contribute(builder);

        assertThat(builder.build().getDetails()).containsOnlyKeys("walArchiving");
        assertThat(builder.build().getDetails().get("walArchiving")).isInstanceOf(Map.class);
    }
}
