package io.strata.catalog.sources;

import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchivingChange;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Registered PostgreSQL servers: registration and the read side, plus the workers' connection details. */
@RestController
class SourceController {
    private static final Logger log = LoggerFactory.getLogger(SourceController.class);
    private final SourceStore sources;
    private final Clock clock;

    SourceController(SourceStore sources, Clock clock) {
        this.sources = sources;
        this.clock = clock;
    }

    @PostMapping("/api/v1/sources")
    ResponseEntity<SourceView> register(@RequestBody(required = false) NewSource source) {
        List<FieldProblem> problems = SourceValidator.problems(source);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        if (!sources.insert(source, clock.instant())) {
            throw new ConflictException("A source named '" + source.name()
                    + "' is already registered; pick another name or use the existing one.");
        }
        log.info("Registered source {} ({}:{}/{})", source.name(), source.host(), source.port(), source.database());
        SourceView view = sources.find(source.name()).orElseThrow();
        return ResponseEntity.created(URI.create("/api/v1/sources/" + source.name()))
                .body(view);
    }

    @GetMapping("/api/v1/sources")
    List<SourceView> list() {
        return sources.findAll();
    }

    @GetMapping("/api/v1/sources/{name}")
    SourceView get(@PathVariable String name) {
        return sources.find(name).orElseThrow(() -> new ResourceNotFoundException("source", name));
    }

    @PutMapping("/api/v1/sources/{name}/wal-archiving")
    SourceView walArchiving(@PathVariable String name, @RequestBody WalArchivingChange change) {
        SourceView view = sources.setWalArchiving(name, change.enabled())
                .orElseThrow(() -> new ResourceNotFoundException("source", name));
        log.info("WAL archiving of source {} {}", name, change.enabled() ? "enabled" : "disabled");
        return view;
    }

    /** Internal: carries the password, so only clients with the connections:read scope may call it. */
    @GetMapping("/internal/v1/sources/{name}/connection")
    SourceConnection connection(@PathVariable String name) {
        return sources.connection(name).orElseThrow(() -> new ResourceNotFoundException("source", name));
    }
}
