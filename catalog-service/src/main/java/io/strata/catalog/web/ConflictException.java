package io.strata.catalog.web;

/** The request clashes with what the catalog already holds (answered 409). */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
