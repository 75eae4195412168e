package io.strata.catalog.sources;

import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.common.model.Names;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a source registration field by field; the catalog validates even though the gateway did. Every
 * text is refused with control characters (NUL above all: PostgreSQL text cannot hold it, and libpq
 * connection strings and tool arguments must not carry line breaks), except the line breaks of a PEM.
 */
final class SourceValidator {
    static final int MAX_HOST_CHARS = 253;
    static final int MAX_IDENTIFIER_BYTES = 63;
    static final int MAX_PASSWORD_CHARS = 1024;
    static final int MAX_CA_BYTES = 64 * 1024;
    static final int MIN_CONNECT_SECONDS = 1;
    static final int MAX_CONNECT_SECONDS = 120;
    static final int MIN_IO_SECONDS = 5;
    static final int MAX_IO_SECONDS = 86_400;
    private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private SourceValidator() {}

    static List<FieldProblem> problems(NewSource source) {
        List<FieldProblem> problems = new ArrayList<>();
        if (source == null) {
            problems.add(
                    new FieldProblem("body", "send a JSON source: name, host, port, database, username, password"));
            return problems;
        }
        if (!Names.isSource(source.name())) {
            problems.add(new FieldProblem("name", Names.SOURCE_RULE));
        }
        requireText(
                problems,
                "host",
                source.host(),
                MAX_HOST_CHARS + " characters",
                source.host() == null || source.host().length() <= MAX_HOST_CHARS);
        if (source.port() < 1 || source.port() > 65535) {
            problems.add(new FieldProblem("port", "must be between 1 and 65535, got " + source.port()));
        }
        requireIdentifier(problems, "database", source.database());
        requireIdentifier(problems, "username", source.username());
        if (source.password() != null) {
            checkText(
                    problems,
                    "password",
                    source.password(),
                    MAX_PASSWORD_CHARS + " characters",
                    source.password().length() <= MAX_PASSWORD_CHARS);
        }
        if (source.tls() != null) {
            checkTls(problems, source.tls());
        }
        if (source.timeouts() != null) {
            checkTimeouts(problems, source.timeouts());
        }
        return problems;
    }

    static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }

    private static void checkTls(List<FieldProblem> problems, SourceTls tls) {
        String mode = tls.sslMode();
        if (mode != null && !SourceTls.MODES.contains(mode)) {
            problems.add(new FieldProblem(
                    "tls.sslMode", "must be one of " + String.join(", ", SourceTls.MODES) + " (default prefer)"));
        }
        String ca = tls.caCertificate();
        if (hasText(ca)) {
            checkCertificate(problems, ca);
        } else if ("verify-ca".equals(mode) || "verify-full".equals(mode)) {
            problems.add(new FieldProblem(
                    "tls.caCertificate",
                    "sslMode " + mode + " needs the PEM of the CA that signed the server's" + " certificate"));
        }
    }

    private static void checkCertificate(List<FieldProblem> problems, String pem) {
        byte[] bytes = pem.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_CA_BYTES) {
            problems.add(new FieldProblem("tls.caCertificate", "must be at most 64 KiB of PEM"));
        } else if (pem.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
            problems.add(new FieldProblem(
                    "tls.caCertificate", "must not contain control characters other than" + " line breaks"));
        } else if (!pem.contains(PEM_CERTIFICATE) || !parsesAsCertificates(bytes)) {
            problems.add(new FieldProblem(
                    "tls.caCertificate", "must be X.509 certificate(s) in PEM form (" + PEM_CERTIFICATE + " ...)"));
        }
    }

    private static boolean parsesAsCertificates(byte[] pem) {
        try {
            return !CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem))
                    .isEmpty();
        } catch (CertificateException | RuntimeException e) {
            return false;
        }
    }

    private static void checkTimeouts(List<FieldProblem> problems, SourceTimeouts timeouts) {
        checkRange(
                problems,
                "timeouts.connectSeconds",
                timeouts.connectSeconds(),
                MIN_CONNECT_SECONDS,
                MAX_CONNECT_SECONDS);
        checkRange(problems, "timeouts.ioSeconds", timeouts.ioSeconds(), MIN_IO_SECONDS, MAX_IO_SECONDS);
    }

    private static void checkRange(List<FieldProblem> problems, String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            problems.add(new FieldProblem(field, "must be between " + min + " and " + max + " seconds, got " + value));
        }
    }

    /** PostgreSQL truncates identifiers at 63 bytes (NAMEDATALEN - 1): a longer name would silently differ. */
    private static void requireIdentifier(List<FieldProblem> problems, String field, String value) {
        requireText(
                problems,
                field,
                value,
                MAX_IDENTIFIER_BYTES + " bytes (UTF-8)",
                value == null || value.strip().getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES);
    }

    private static void requireText(
            List<FieldProblem> problems, String field, String value, String limit, boolean withinLimit) {
        if (!hasText(value)) {
            problems.add(new FieldProblem(field, "must not be blank"));
        } else {
            checkText(problems, field, value, limit, withinLimit);
        }
    }

    private static void checkText(
            List<FieldProblem> problems, String field, String value, String limit, boolean withinLimit) {
        if (value.chars().anyMatch(Character::isISOControl)) {
            problems.add(new FieldProblem(field, "must not contain NUL or other control characters"));
        } else if (!withinLimit) {
            problems.add(new FieldProblem(field, "must be at most " + limit));
        }
    }
}
