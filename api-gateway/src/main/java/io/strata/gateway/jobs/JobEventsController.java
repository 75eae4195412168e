package io.strata.gateway.jobs;

import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** A job's progress as it happens: see {@link JobEventStreams}. */
@RestController
@RequestMapping("/api/v1/jobs")
class JobEventsController {
    private final JobEventStreams streams;

    JobEventsController(JobEventStreams streams) {
        this.streams = streams;
    }

    /**
     * {@code text/event-stream}: the job's state ({@code job}), its {@code JobStarted} and {@code JobProgressed}
     * events, and its final state ({@code job}) last; 404 for an unknown job, 503 when job events cannot be read;
     * 204 for a client that reconnects having seen the final state ({@code Last-Event-ID} {@code job:SUCCEEDED},
     * {@code job:FAILED} or {@code job:CANCELLED}), which stops a browser's {@code EventSource}.
     */
    @GetMapping(path = "/{jobId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> events(
            @PathVariable UUID jobId, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        return streams.open(jobId.toString(), JobEventStreams.sawTheEnd(lastEventId))
                .map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.noContent().build());
    }
}
