package io.strata.wal.streaming;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of what each streamer is doing, for the catalog, the gateway and operators. */
@RestController
class WalStatusController {
    private final ArchivingSupervisor supervisor;

    WalStatusController(ArchivingSupervisor supervisor) {
        this.supervisor = supervisor;
    }

    @GetMapping("/internal/v1/wal")
    List<WalStatus> all() {
        return supervisor.statuses();
    }

    @GetMapping("/internal/v1/wal/{source}")
    ResponseEntity<?> one(@PathVariable String source) {
        return supervisor
                .status(source)
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> {
                    ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                            HttpStatus.NOT_FOUND,
                            "the wal-archiver is not archiving " + source + ": switch it on with PUT /api/v1/sources/"
                                    + source + "/wal-archiving {\"enabled\":true}; it starts within one poll interval");
                    problem.setTitle("WAL archiving not running");
                    return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem);
                });
    }
}
