package io.strata.platform.postgres;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Drains a child's stderr on a virtual thread, keeping the last lines for error messages and handing
 * each line to an optional listener (pg_restore's verbose output drives restore progress).
 */
public final class ProcessOutput {
    private static final int KEEP_LINES = 20;
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread reader;

    private ProcessOutput(InputStream stream, Consumer<String> listener) {
        this.reader = Thread.ofVirtual().start(() -> readLines(stream, listener));
    }

    public static ProcessOutput drain(InputStream stream) {
        return new ProcessOutput(stream, line -> {});
    }

    public static ProcessOutput drain(InputStream stream, Consumer<String> listener) {
        return new ProcessOutput(stream, listener);
    }

    private void readLines(InputStream stream, Consumer<String> listener) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                listener.accept(line);
                synchronized (tail) {
                    if (tail.size() == KEEP_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
            }
        } catch (IOException ignored) {
            // the process is gone; what was read is kept
        }
    }

    /** The last lines the process wrote, after it has closed its stream. */
    public String tail() {
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
