package io.strata.wal.streaming;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/**
 * Says on {@code /actuator/info} what this service does not do yet, so nobody mistakes a running
 * wal-archiver for WAL being archived. Point-in-time restore needs the streaming this will report on.
 */
@Component
class WalArchivingStatus implements InfoContributor {
    static final String STATE = "NOT_IMPLEMENTED";

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", STATE);
        status.put("continuousArchiving", "not implemented yet");
        status.put("streamingSources", 0);
        status.put(
                "detail",
                "WAL is not streamed or archived by this version, so restores can only go to a backup, not to a point in time");
        builder.withDetail("walArchiving", status);
    }
}
