package io.strata.gateway.sources;

import io.strata.common.model.Names;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import org.springframework.stereotype.Component;

/** Checks that a request names a source the catalog knows, with the same 422 wherever it is asked. */
@Component
public class RegisteredSources {
    private final CatalogClient catalog;

    public RegisteredSources(CatalogClient catalog) {
        this.catalog = catalog;
    }

    public SourceView require(String name) {
        if (!Names.isSource(name)) {
            throw notRegistered(name);
        }
        return catalog.source(name).orElseThrow(() -> notRegistered(name));
    }

    /** The source's connection details, password included; only for the gateway's own checks. */
    public SourceConnection connection(String name) {
        if (!Names.isSource(name)) {
            throw notRegistered(name);
        }
        return catalog.sourceConnection(name).orElseThrow(() -> notRegistered(name));
    }

    private static ApiException notRegistered(String name) {
        String detail = "source '" + name + "' is not registered; register it with POST /api/v1/sources";
        return ApiException.unprocessable(detail, new FieldProblem("source", detail));
    }
}
