package io.strata.gateway.web;

import java.nio.charset.StandardCharsets;

/** What text the API accepts: no NUL, no control characters (line breaks only where free text allows). */
public final class TextRules {
    private TextRules() {}

    /** The index of the first forbidden character, or -1; {@code freeText} allows tab, CR and LF. */
    public static int firstForbidden(String value, boolean freeText) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            boolean allowed = freeText && (c == '\t' || c == '\n' || c == '\r');
            if (control && !allowed) {
                return i;
            }
        }
        return -1;
    }

    /** "U+0000 at position 3", for a problem's detail (the character itself is never echoed). */
    public static String describe(String value, boolean freeText) {
        int at = firstForbidden(value, freeText);
        return at < 0 ? "none" : "U+%04X at position %d".formatted((int) value.charAt(at), at + 1);
    }

    public static int utf8Bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }
}
