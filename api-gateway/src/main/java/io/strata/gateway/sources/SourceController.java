package io.strata.gateway.sources;

import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.postgres.SourceNetworks.SourceNotAllowedException;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Registering and listing the PostgreSQL databases Strata backs up; the catalog stores them. */
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
    ResponseEntity<JsonNode> register(@Valid @RequestBody NewSourceRequest request) {
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
        JsonNode created;
        try {
            created = catalog.post("/api/v1/sources", request.toCatalog());
        } catch (HttpClientErrorException.Conflict e) {
            String detail = "source '" + request.name() + "' already exists";
            throw ApiException.conflict(detail, new FieldProblem("name", detail));
        }
        URI location = UriComponentsBuilder.fromPath("/api/v1/sources/{name}").build(request.name());
        return ResponseEntity.created(location).body(withoutPassword(created));
    }

    @GetMapping
    JsonNode list() {
        return withoutPassword(catalog.list("/api/v1/sources", Map.of()));
    }

    @GetMapping("/{name}")
    JsonNode one(@PathVariable String name) {
        return catalog.one("/api/v1/sources/{name}", name)
                .map(SourceController::withoutPassword)
                .orElseThrow(() -> ApiException.notFound("source '" + name + "' is not registered"));
    }

    /** The catalog never sends a password on this path; stripping it anyway keeps a catalog bug from leaking one. */
    private static JsonNode withoutPassword(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("password");
        } else if (node != null && node.isArray()) {
            node.forEach(SourceController::withoutPassword);
        }
        return node;
    }
}
