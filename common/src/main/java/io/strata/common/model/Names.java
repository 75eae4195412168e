package io.strata.common.model;

import java.util.regex.Pattern;

/**
 * The shapes Strata accepts for names that end up in storage keys or SQL identifiers. Anything else is
 * refused up front rather than quoted later, so a name can never smuggle SQL or a path.
 */
public final class Names {
    /** Source names are storage path segments: lower case, digits, {@code -} and {@code _}. */
    public static final Pattern SOURCE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /** Database names Strata creates: a plain, unquoted PostgreSQL identifier. */
    public static final Pattern DATABASE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** A directory a restore creates: letters, digits, {@code -_.}, no leading dot (never hidden, never "..") */
    public static final Pattern DIRECTORY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public static final String DIRECTORY_RULE =
            "1-100 characters: letters, digits, '-', '_' and '.', starting with a letter or digit";
    public static final String SOURCE_RULE =
            "1-63 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit";
    public static final String DATABASE_RULE =
            "1-63 characters: lower-case letters, digits and '_', starting with a letter or '_'";

    private Names() {}

    public static boolean isSource(String name) {
        return name != null && SOURCE.matcher(name).matches();
    }

    public static boolean isDirectory(String name) {
        return name != null && DIRECTORY.matcher(name).matches();
    }

    public static boolean isDatabase(String name) {
        return name != null && DATABASE.matcher(name).matches();
    }
}
