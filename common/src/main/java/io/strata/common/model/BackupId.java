package io.strata.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A backup's label, sortable by time like pgBackRest's: {@code 20261122T153000Z-3fa2c1}. It is also
 * a storage path segment, so its shape is checked strictly.
 */
public record BackupId(String value) {
    private static final Pattern SHAPE = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{6}");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    public BackupId {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("backupId must look like 20261122T153000Z-3fa2c1, got: " + value);
        }
    }

    public static boolean isValid(String text) {
        return text != null && SHAPE.matcher(text).matches();
    }

    public static BackupId newId(Instant now) {
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        return new BackupId(STAMP.format(now) + "-" + HexFormat.of().formatHex(random));
    }

    @JsonCreator
    public static BackupId parse(String text) {
        return new BackupId(text);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }
}
