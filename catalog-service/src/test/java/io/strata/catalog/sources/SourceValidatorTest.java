package io.strata.catalog.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SourceValidatorTest {
    static final String CA_PEM = """
        -----BEGIN CERTIFICATE-----
        MIIBiDCCAS+gAwIBAgIUbycOXN4y3cwfP587uMgJi3vnwRAwCgYIKoZIzj0EAwIw
        GTEXMBUGA1UEAwwOU3RyYXRhIFRlc3QgQ0EwIBcNMjYxMjAxMjAyNjE4WhgPMjEy
        NjExMDcyMDI2MThaMBkxFzAVBgNVBAMMDlN0cmF0YSBUZXN0IENBMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEP2Yh+BN+G1bu3C7eoNCnAx7zgu/vJR4Kie3xn8Ds
        rNmHe/6WLwsk2ZW1oEderzcYFkAD30n3AknJ4dgNLHqbv6NTMFEwHQYDVR0OBBYE
        FAfeumbXrfJ22bV0MjGKYn3ZbefoMB8GA1UdIwQYMBaAFAfeumbXrfJ22bV0MjGK
        Yn3ZbefoMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgPwa3VQNY
        +dWMjVtrn1qoNL0HKjshKDNQqDLAay+I5R8CIFOpUpvTvF4y6Wi7gpb4DCHs157q
        7S+y+xoh5arMKs4Y
        -----END CERTIFICATE-----
        """;

    @Test
    void acceptsACompleteSource() {
        assertThat(SourceValidator.problems(new NewSource("shop", "db.local", 5432, "shop", "backup", "secret")))
                .isEmpty();
    }

    @Test
    void acceptsAMissingPasswordForTrustAuthentication() {
        assertThat(SourceValidator.problems(new NewSource("shop", "db.local", 5432, "shop", "backup", null)))
                .isEmpty();
    }

    @Test
    void namesEveryInvalidField() {
        assertThat(SourceValidator.problems(new NewSource("Shop/../x", " ", 70000, "", null, "p")))
                .extracting(FieldProblem::field)
                .containsExactly("name", "host", "port", "database", "username");
    }

    @Test
    void refusesPortZero() {
        assertThat(fields(new NewSource("shop", "h", 0, "d", "u", "p"))).containsExactly("port");
    }

    @Test
    void refusesNulAndControlCharactersInEveryTextField() {
        assertThat(fields(new NewSource("shop", "db\u0000.local", 5432, "sh\nop", "back\u0007up", "pa\u0000ss")))
                .containsExactly("host", "database", "username", "password");
        assertThat(problems(new NewSource("shop", "h", 5432, "d", "u", "p\u0000")))
                .extracting(FieldProblem::message)
                .containsExactly("must not contain NUL or other control characters");
    }

    @Test
    void limitsLengths() {
        String host = "h".repeat(SourceValidator.MAX_HOST_CHARS);
        String database = "d".repeat(63);
        String twoByteUser = "é".repeat(31); // 62 bytes
        assertThat(problems(new NewSource("shop", host, 5432, database, twoByteUser, "p".repeat(1024))))
                .isEmpty();

        assertThat(fields(new NewSource("shop", host + "h", 5432, database + "d", twoByteUser + "é", "p".repeat(1025))))
                .containsExactly("host", "database", "username", "password");
    }

    @ParameterizedTest
    @ValueSource(strings = {"disable", "prefer", "require"})
    void acceptsModesThatNeedNoCa(String mode) {
        assertThat(problems(withTls(new SourceTls(mode, null)))).isEmpty();
    }

    @Test
    void refusesAnUnknownSslMode() {
        assertThat(problems(withTls(new SourceTls("allow-anything", null))))
                .extracting(FieldProblem::field)
                .containsExactly("tls.sslMode");
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify-ca", "verify-full"})
    void verifyModesNeedACaCertificate(String mode) {
        assertThat(fields(withTls(new SourceTls(mode, null)))).containsExactly("tls.caCertificate");
        assertThat(fields(withTls(new SourceTls(mode, "  ")))).containsExactly("tls.caCertificate");
        assertThat(problems(withTls(new SourceTls(mode, CA_PEM)))).isEmpty();
    }

    @Test
    void refusesACaThatIsNotAnX509Pem() {
        String garbled = CA_PEM.replace("MIIBiDCCAS", "MIIBiDCCAT");
        String notPem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";

        assertThat(fields(withTls(new SourceTls("verify-full", garbled)))).containsExactly("tls.caCertificate");
        assertThat(fields(withTls(new SourceTls("verify-full", notPem)))).containsExactly("tls.caCertificate");
        assertThat(fields(withTls(new SourceTls("verify-full", "hello")))).containsExactly("tls.caCertificate");
    }

    @Test
    void refusesACaWithNulOrOver64KiB() {
        assertThat(problems(withTls(new SourceTls("verify-ca", CA_PEM + "\u0000"))))
                .extracting(FieldProblem::message)
                .containsExactly("must not contain control characters other than line breaks");
        String big = CA_PEM + "#".repeat(SourceValidator.MAX_CA_BYTES);
        assertThat(problems(withTls(new SourceTls("verify-ca", big))))
                .extracting(FieldProblem::message)
                .containsExactly("must be at most 64 KiB of PEM");
    }

    @Test
    void boundsTimeouts() {
        assertThat(problems(withTimeouts(new SourceTimeouts(1, 5)))).isEmpty();
        assertThat(problems(withTimeouts(new SourceTimeouts(120, 86_400)))).isEmpty();
        assertThat(problems(withTimeouts(new SourceTimeouts(null, null)))).isEmpty();
        assertThat(fields(withTimeouts(new SourceTimeouts(0, 4))))
                .containsExactly("timeouts.connectSeconds", "timeouts.ioSeconds");
        assertThat(fields(withTimeouts(new SourceTimeouts(121, 86_401))))
                .containsExactly("timeouts.connectSeconds", "timeouts.ioSeconds");
    }

    private static NewSource withTls(SourceTls tls) {
        return new NewSource("shop", "db.local", 5432, "shop", "backup", "secret", false, tls, null, null);
    }

    private static NewSource withTimeouts(SourceTimeouts timeouts) {
        return new NewSource("shop", "db.local", 5432, "shop", "backup", "secret", false, null, timeouts, null);
    }

    private static java.util.List<FieldProblem> problems(NewSource source) {
        return SourceValidator.problems(source);
    }

    private static java.util.List<String> fields(NewSource source) {
        return problems(source).stream().map(FieldProblem::field).toList();
    }
}
