package io.strata.catalog.invalid;

/**
 * A Kafka record the catalog will not apply because of what it says (a missing field, a NUL where the
 * database cannot store one). Retrying cannot help, so the listeners record it as an invalid event. It is an
 * {@link IllegalArgumentException} so that the shared error handler, should one escape, does not retry it.
 */
public class InvalidContentException extends IllegalArgumentException {
    public InvalidContentException(String problem) {
        super(problem);
    }
}
