package io.strata.catalog.web;

/** A source, job or backup the caller named does not exist in the catalog (answered 404). */
public class ResourceNotFoundException extends RuntimeException {
    public ResourceNotFoundException(String what, String id) {
        super("No " + what + " '" + id + "' in the catalog; list them with GET /api/v1/" + what + "s.");
    }
}
