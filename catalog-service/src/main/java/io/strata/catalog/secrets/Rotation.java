package io.strata.catalog.secrets;

import java.util.ArrayList;
import java.util.List;

/**
 * What a rotation did: secrets re-encrypted, secrets already under the active key, and those that could
 * not be opened (their key is missing or wrong), by owner and key id.
 */
public record Rotation(int rotated, int alreadyCurrent, List<Failure> failed) {
    public Rotation {
        failed = List.copyOf(failed);
    }

    public static Rotation none() {
        return new Rotation(0, 0, List.of());
    }

    public Rotation plus(Rotation other) {
        List<Failure> all = new ArrayList<>(failed);
        all.addAll(other.failed);
        return new Rotation(rotated + other.rotated, alreadyCurrent + other.alreadyCurrent, all);
    }

    /** One secret left as it was; {@code reason} names the key, never the value. */
    public record Failure(String owner, String keyId, String reason) {}
}
