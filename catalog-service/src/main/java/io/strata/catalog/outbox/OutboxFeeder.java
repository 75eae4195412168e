package io.strata.catalog.outbox;

/**
 * Something that adds records to the outbox on the relay's schedule (the job dispatcher): the relay calls
 * every feeder before each pass, so what they add goes out in the same pass.
 */
public interface OutboxFeeder {
    void feed();
}
