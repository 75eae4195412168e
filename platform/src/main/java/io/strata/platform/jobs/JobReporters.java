package io.strata.platform.jobs;

import io.strata.common.event.JobEvent.JobRef;
import io.strata.platform.messaging.MessagePublisher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;

/** Makes a {@link JobReporter} per job, all naming the same worker and progress interval. */
public final class JobReporters {
    private final MessagePublisher publisher;
    private final Clock clock;
    private final Duration interval;
    private final String worker;

    public JobReporters(MessagePublisher publisher, Clock clock, Duration interval, String worker) {
        this.publisher = publisher;
        this.clock = clock;
        this.interval = interval;
        this.worker = worker;
    }

    public JobReporter forJob(JobRef job) {
        return new JobReporter(publisher, clock, job, interval, worker);
    }

    /**
     * {@code <instance>@<host>:<pid>}: which process ran a job, for {@code JobStarted} and the job's lease
     * owner. The instance is {@code STRATA_INSTANCE} (e.g. {@code backup-worker-2} when several run), else
     * the service name.
     */
    public static String workerName(String serviceName) {
        String instance = System.getenv().getOrDefault("STRATA_INSTANCE", "");
        if (instance.matches("[a-z][a-z0-9-]{0,62}")) {
            serviceName = instance;
        }
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        if (host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return serviceName + "@" + host + ":" + ProcessHandle.current().pid();
    }
}
