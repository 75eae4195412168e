package io.strata.catalog.web;

import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;

/** Parses query and path parameters into typed values, refusing bad ones with a 400 that names them. */
public final class QueryParams {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private QueryParams() {}

    /** {@code null} stays null (no filter); anything else must be one of the enum's names. */
    public static <E extends Enum<E>> E optionalEnum(String field, String value, Class<E> type) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String allowed =
                    Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
            throw new InvalidRequestException(field, "must be one of " + allowed + ", got '" + value + "'");
        }
    }

    /** Absent means {@value #DEFAULT_LIMIT}; more than {@value #MAX_LIMIT} is capped rather than refused. */
    public static int limit(Integer limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        if (limit < 1) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        return Math.min(limit, MAX_LIMIT);
    }

    public static UUID uuid(String field, String value) {
        try {
            // fromString also takes abbreviated forms like 1-1-1-1-1; only the canonical one is an id
            if (value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw new InvalidRequestException(
                field, "must be a UUID such as 3f0c9a52-1c1e-4e7a-9d3b-2f4c8a1e5b60, got '" + value + "'");
    }
}
