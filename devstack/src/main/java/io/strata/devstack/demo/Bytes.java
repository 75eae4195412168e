package io.strata.devstack.demo;

import java.util.Locale;

/** Byte counts as people read them: 360.8 KB, 4.1 MB. */
final class Bytes {
    private Bytes() {}

    static String of(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A count the API may leave out. */
    static String of(Long n) {
        return n == null ? "?" : of(n.longValue());
    }
}
