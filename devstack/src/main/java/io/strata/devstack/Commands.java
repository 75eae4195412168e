package io.strata.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived program to completion and fails with its output when it does not succeed. */
final class Commands {
    private Commands() {}

    static String run(List<String> command, Map<String, String> env, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new DevStackException("could not run " + command.getFirst() + ": " + e.getMessage(), e);
        }
        // read on a separate thread so a chatty program cannot block on a full pipe while we wait
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), output));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new DevStackException(String.join(" ", command) + " did not finish within " + timeout);
            }
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DevStackException("interrupted while running " + command.getFirst(), e);
        }
        String text;
        synchronized (output) {
            text = output.toString();
        }
        if (process.exitValue() != 0) {
            throw new DevStackException(
                    String.join(" ", command) + " failed with exit code " + process.exitValue() + ":\n" + text.strip());
        }
        return text;
    }

    private static void drain(InputStream in, StringBuilder output) {
        try (in) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (output) {
                    output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // the process ended or was killed; whatever was read is what we report
        }
    }
}
