package io.strata.catalog.web;

/**
 * The request clashes with what the catalog already holds (answered 409). {@code code}, when given, is a
 * {@code FailureCode} name the calling worker can end its job with; it is sent as the problem's {@code code}.
 */
public class ConflictException extends RuntimeException {
    private final String code;

    public ConflictException(String message) {
        this(message, null);
    }

    public ConflictException(String message, String code) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
