package io.strata.devstack.demo;

/** The demo cannot go on; the message is printed as is, so it says what went wrong and where to look. */
final class DemoFailure extends RuntimeException {
    DemoFailure(String message) {
        super(message);
    }
}
