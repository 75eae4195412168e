package io.strata.common.audit;

/**
 * The one rule for text that enters the audit trail from a request: no control or invisible formatting
 * characters (they forge log lines and hide text), and bounded length.
 */
public final class AuditText {
    private AuditText() {}

    /** True for ISO controls (CR, LF, ESC, ...), Unicode format characters (bidi overrides) and line separators. */
    public static boolean isControl(int codePoint) {
        int type = Character.getType(codePoint);
        return Character.isISOControl(codePoint)
                || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    public static boolean hasControl(String text) {
        return text != null && text.codePoints().anyMatch(AuditText::isControl);
    }

    /** {@code text} without control characters, cut to at most {@code maxLength} code points; null stays null. */
    public static String clean(String text, int maxLength) {
        if (text == null) {
            return null;
        }
        StringBuilder cleaned = new StringBuilder(Math.min(text.length(), maxLength));
        text.codePoints()
                .filter(codePoint -> !isControl(codePoint))
                .limit(maxLength)
                .forEach(cleaned::appendCodePoint);
        return cleaned.toString();
    }
}
