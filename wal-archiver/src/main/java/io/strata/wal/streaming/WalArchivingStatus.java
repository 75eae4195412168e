package io.strata.wal.streaming;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** A summary on {@code /actuator/info}: which sources are streamed and in what state. */
@Component
class WalArchivingStatus implements InfoContributor {
    private final ArchivingSupervisor supervisor;
    private final WalProperties properties;

    WalArchivingStatus(ArchivingSupervisor supervisor, WalProperties properties) {
        this.supervisor = supervisor;
        this.properties = properties;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, String> sources = new LinkedHashMap<>();
        supervisor.statuses().forEach(status -> sources.put(status.source(), status.state()));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("enabled", properties.enabled());
        summary.put(
                "streamingSources",
                sources.values().stream().filter("STREAMING"::equals).count());
        summary.put("sources", sources);
        builder.withDetail("walArchiving", summary);
    }
}
