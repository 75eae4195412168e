package io.strata.gateway.sources;

import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.postgres.SourceNetworks.SourceNotAllowedException;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Registering and listing the PostgreSQL databases Strata backs up; the catalog stores them. Answers are
 * {@link SourceView}s, which have no password field: not even a catalog bug could pass one on.
 */
@RestController
@RequestMapping("/api/v1/sources")
class SourceController {
    private final CatalogProxy catalog;
    private final WalReadiness walReadiness;
    private final SourceNetworks networks;

    SourceController(CatalogProxy catalog, WalReadiness walReadiness, SourceNetworks networks) {
        this.catalog = catalog;
        this.walReadiness = walReadiness;
        this.networks = networks;
    }

    @PostMapping
    ResponseEntity<SourceView> register(@Valid @RequestBody NewSourceRequest request) {
        AuditAttributes.target(request.name());
        try {
            // refused at the door, not only when a job connects (strata.sources.allowed-networks)
            networks.requireAllowed(request.host().strip());
        } catch (SourceNotAllowedException e) {
            throw ApiException.unprocessable(e.getMessage(), new FieldProblem("host", e.getMessage()));
        }
        if (request.archivesWal()) {
            walReadiness.requireReady(request.name(), request.connection());
        }
        SourceView created;
        try {
            created = catalog.register(request.toCatalog());
        } catch (HttpClientErrorException.Conflict e) {
            String detail = "source '" + request.name() + "' already exists";
            throw ApiException.conflict(detail, new FieldProblem("name", detail));
        }
        URI location = UriComponentsBuilder.fromPath("/api/v1/sources/{name}").build(request.name());
        return ResponseEntity.created(location).body(created);
    }

    @GetMapping
    List<SourceView> list() {
        return catalog.sources();
    }

    @GetMapping("/{name}")
    SourceView one(@PathVariable String name) {
        return catalog.source(name).orElseThrow(() -> ApiException.notFound("source '" + name + "' is not registered"));
    }
}
