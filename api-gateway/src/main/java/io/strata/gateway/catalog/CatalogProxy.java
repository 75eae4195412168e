package io.strata.gateway.catalog;

import io.strata.platform.catalog.CatalogClient;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Proxies the catalog's public API. Bodies pass through as JSON trees, so fields the catalog adds reach
 * clients without a gateway release; failures surface as the catalog's own exceptions, which
 * {@code ApiExceptionHandler} turns into problems (4xx passed through, unreachable as 503).
 */
@Component
public class CatalogProxy {
    private final RestClient http;

    public CatalogProxy(CatalogClient catalog) {
        this.http = catalog.http();
    }

    /** {@code path} with the non-null {@code query} parameters, e.g. a filtered list. */
    public JsonNode list(String path, Map<String, Object> query) {
        return http.get()
                .uri(uri -> {
                    uri.path(path);
                    query.forEach((name, value) -> {
                        if (value != null) {
                            uri.queryParam(name, value);
                        }
                    });
                    return uri.build();
                })
                .retrieve()
                .body(JsonNode.class);
    }

    /** POSTs {@code body} as JSON and returns the catalog's answer. */
    public JsonNode post(String path, Object body) {
        return http.post().uri(path).body(body).retrieve().body(JsonNode.class);
    }

    /** PUTs {@code body} as JSON to {@code pathTemplate} expanded with {@code id}; empty when the catalog answers 404. */
    public Optional<JsonNode> put(String pathTemplate, String id, Object body) {
        try {
            return Optional.ofNullable(
                    http.put().uri(pathTemplate, id).body(body).retrieve().body(JsonNode.class));
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code pathTemplate} expanded with {@code id}; empty when the catalog answers 404. */
    public Optional<JsonNode> one(String pathTemplate, String id) {
        try {
            return Optional.ofNullable(
                    http.get().uri(pathTemplate, id).retrieve().body(JsonNode.class));
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
