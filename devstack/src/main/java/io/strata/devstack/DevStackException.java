package io.strata.devstack;

/** A dev stack component could not be started or stopped; the message says which and what to check. */
public class DevStackException extends RuntimeException {
    public DevStackException(String message) {
        super(message);
    }

    public DevStackException(String message, Throwable cause) {
        super(message, cause);
    }
}
