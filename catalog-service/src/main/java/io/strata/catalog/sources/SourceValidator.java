package io.strata.catalog.sources;

import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.common.model.Names;
import io.strata.platform.catalog.CatalogApi.NewSource;
import java.util.ArrayList;
import java.util.List;

/** Checks a source registration field by field; the catalog validates even though the gateway did. */
final class SourceValidator {
    private SourceValidator() {}

    static List<FieldProblem> problems(NewSource source) {
        List<FieldProblem> problems = new ArrayList<>();
        if (source == null) {
            problems.add(
                    new FieldProblem("body", "send a JSON source: name, host, port, database, username, password"));
            return problems;
        }
        if (!Names.isSource(source.name())) {
            problems.add(new FieldProblem("name", Names.SOURCE_RULE));
        }
        requireText(problems, "host", source.host());
        if (source.port() < 1 || source.port() > 65535) {
            problems.add(new FieldProblem("port", "must be between 1 and 65535, got " + source.port()));
        }
        requireText(problems, "database", source.database());
        requireText(problems, "username", source.username());
        return problems;
    }

    private static void requireText(List<FieldProblem> problems, String field, String value) {
        if (value == null || value.isBlank()) {
            problems.add(new FieldProblem(field, "must not be blank"));
        }
    }
}
