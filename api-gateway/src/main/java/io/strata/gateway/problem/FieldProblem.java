package io.strata.gateway.problem;

/** One entry of a problem's {@code errors[]}: which request field is wrong and why. */
public record FieldProblem(String field, String message) {}
