package io.strata.restore.logical;

import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Names of the databases a replacing restore works with. They are built from the source database's name
 * but reduced to plain identifier characters, so they are safe as a {@code pg_restore -d} argument
 * (never read as a connection string) and fit PostgreSQL's 63-byte limit.
 */
final class DatabaseNames {
    static final int MAX_IDENTIFIER_BYTES = 63;

    private DatabaseNames() {}

    /** {@code <db>_strata_<hex>}: where the backup is restored before it replaces {@code database}. */
    static String temporary(String database, String hex) {
        return withSuffix(database, "_strata_" + hex);
    }

    /** {@code <db>_strata_old_<hex>}: what {@code database} is renamed to for the moment of the swap. */
    static String retired(String database, String hex) {
        return withSuffix(database, "_strata_old_" + hex);
    }

    static String randomHex() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Double-quotes an identifier for SQL, whatever it contains. */
    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String withSuffix(String database, String suffix) {
        String base = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (base.isEmpty() || Character.isDigit(base.charAt(0))) {
            base = "_" + base;
        }
        int room = MAX_IDENTIFIER_BYTES - suffix.length();
        return (base.length() > room ? base.substring(0, room) : base) + suffix;
    }
}
