package io.strata.catalog.web;

import java.util.List;

/** A request the catalog refuses as given (answered 400, with one entry per offending field). */
public class InvalidRequestException extends RuntimeException {
    private final List<FieldProblem> errors;

    public InvalidRequestException(List<FieldProblem> errors) {
        super(summary(errors));
        this.errors = List.copyOf(errors);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new FieldProblem(field, message)));
    }

    public List<FieldProblem> errors() {
        return errors;
    }

    private static String summary(List<FieldProblem> errors) {
        return errors.size() == 1
                ? errors.getFirst().field() + ": " + errors.getFirst().message()
                : errors.size() + " fields are invalid; see errors[]";
    }

    /** One field's problem, as it appears in the problem document's {@code errors[]}. */
    public record FieldProblem(String field, String message) {}
}
