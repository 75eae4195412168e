package io.strata.catalog.invalid;

import io.strata.common.audit.AuditText;
import io.strata.common.messaging.Json;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.databind.JsonNode;

/**
 * Text from Kafka records, which the catalog treats as hostile: PostgreSQL refuses NUL in {@code text} and
 * {@code jsonb}, and control characters forge log lines and terminal output wherever the text is shown.
 */
public final class EventText {
    private static final char NUL = '\u0000';

    private EventText() {}

    /**
     * {@code text} with every control character (NUL, ESC, CR, bidi overrides, ...) written as a visible
     * escape: a backslash, {@code u} and the code point in four hex digits, so NUL reads "backslash u0000"
     * and ESC "backslash u001b". Line feeds and tabs, which tool output legitimately has, are kept. The escape
     * shows which character it was rather than hiding it behind U+FFFD; it is for reading, not reversible (a
     * backslash already there is not doubled). Null stays null.
     */
    public static String escape(String text) {
        return escape(text, true);
    }

    /** {@link #escape escaped} and cut to about {@code maxLength} characters, saying how long it was. */
    public static String excerpt(String text, int maxLength) {
        return excerpt(text, maxLength, true);
    }

    /**
     * Like {@link #excerpt}, with line feeds and tabs escaped too: for what must stay on one line (headers,
     * keys, reasons that are logged), so a record cannot forge log lines.
     */
    public static String line(String text, int maxLength) {
        return excerpt(text, maxLength, false);
    }

    /** The record's JSON text; an empty record is refused (Strata records always carry a payload). */
    public static String payload(ConsumerRecord<String, String> record) {
        if (record.value() == null || record.value().isBlank()) {
            throw new InvalidContentException("empty record on " + record.topic() + " at offset " + record.offset()
                    + ": Strata records always carry a JSON payload");
        }
        return record.value();
    }

    /**
     * Refuses a message that still holds a NUL anywhere once serialised, naming the field (e.g.
     * {@code result.description}): the catalog cannot store it as it is.
     */
    public static void requireNoNul(Object message) {
        Optional<String> field = nulField(Json.mapper().valueToTree(message), "");
        if (field.isPresent()) {
            throw new InvalidContentException("field " + field.get() + " contains a NUL character");
        }
    }

    private static String escape(String text, boolean keepLineBreaks) {
        if (text == null || text.codePoints().noneMatch(c -> mustEscape(c, keepLineBreaks))) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(codePoint -> {
            if (!mustEscape(codePoint, keepLineBreaks)) {
                escaped.appendCodePoint(codePoint);
            } else if (Character.isBmpCodePoint(codePoint)) {
                escaped.append("\\u%04x".formatted(codePoint));
            } else {
                escaped.append("\\U%08x".formatted(codePoint));
            }
        });
        return escaped.toString();
    }

    private static String excerpt(String text, int maxLength, boolean keepLineBreaks) {
        if (text == null) {
            return null;
        }
        String escaped = escape(cut(text, maxLength), keepLineBreaks);
        if (text.length() <= maxLength && escaped.length() <= maxLength) {
            return escaped;
        }
        return cut(escaped, maxLength) + "... (" + text.length() + " characters in all)";
    }

    private static Optional<String> nulField(JsonNode node, String path) {
        if (node.isString()) {
            return node.stringValue().indexOf(NUL) >= 0 ? Optional.of(path) : Optional.empty();
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Optional<String> found = nulField(node.get(i), path + "[" + i + "]");
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String name = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
                Optional<String> found = nulField(property.getValue(), name);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static boolean mustEscape(int codePoint, boolean keepLineBreaks) {
        boolean lineBreak = codePoint == '\n' || codePoint == '\t';
        return AuditText.isControl(codePoint) && !(keepLineBreaks && lineBreak);
    }

    /** The first {@code length} characters, not splitting a surrogate pair. */
    private static String cut(String text, int length) {
        if (text.length() <= length) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(length - 1)) ? length - 1 : length;
        return text.substring(0, end);
    }
}
