package io.strata.common.storage;

import java.io.IOException;

/**
 * Thrown by a reader of backup content (a base backup's tar, a block pack, a block map) whose bytes are not
 * what Strata writes: a header that does not parse, a file of a kind it does not store, a path that leaves the
 * data directory, a stream cut short. It is a fault of the content, not of the disk or the network the bytes
 * came through: whoever read them can tell whether they are the bytes the backup wrote (their SHA-256), and if
 * they are, retrying cannot help.
 */
public class MalformedContentException extends IOException {
    /** @param message may quote the content (a path, a header field): its control characters are shown as '?' */
    public MalformedContentException(String message) {
        super(printable(message));
    }

    public MalformedContentException(String message, Throwable cause) {
        super(printable(message), cause);
    }

    private static String printable(String message) {
        // control and format characters, line and paragraph separators (C1, bidi overrides included)
        return message == null ? null : message.replaceAll("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]", "?");
    }
}
