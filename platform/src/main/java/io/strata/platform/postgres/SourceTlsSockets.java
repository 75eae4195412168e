package io.strata.platform.postgres;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS over a source's socket, after PostgreSQL's SSLRequest was accepted, with libpq's meaning of
 * {@code sslmode}: the certificate is checked against the source's CA in {@code verify-ca} and
 * {@code verify-full} (the host name too) and in {@code require} when a CA is registered; {@code allow},
 * {@code prefer} and {@code require} without a CA encrypt without checking who answers, as libpq does.
 */
final class SourceTlsSockets {
    private SourceTlsSockets() {}

    /** The TLS socket over {@code socket}, its handshake done (within the socket's read deadline). */
    static SSLSocket wrap(Socket socket, SourceConnection source) throws IOException {
        SourceTls tls = source.tlsOrDefault();
        String mode = tls.modeOrDefault();
        boolean hasCa = tls.caCertificate() != null && !tls.caCertificate().isBlank();
        boolean verify = mode.equals("verify-ca") || mode.equals("verify-full") || (mode.equals("require") && hasCa);
        if (verify && !hasCa) {
            throw new IOException("the source's sslMode is " + mode + " but no caCertificate is registered for it");
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, verify ? trusting(tls.caCertificate()) : new TrustManager[] {new Unchecked()}, null);
            SSLSocket ssl =
                    (SSLSocket) context.getSocketFactory().createSocket(socket, source.host(), source.port(), true);
            ssl.setUseClientMode(true);
            if (mode.equals("verify-full")) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the name or address in the certificate
                ssl.setSSLParameters(parameters);
            }
            ssl.startHandshake();
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for source '" + source.name() + "': " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trusting(String caPem) throws GeneralSecurityException, IOException {
        Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("the source's caCertificate holds no certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** libpq's {@code require} without a root certificate: encrypted, whoever answers. */
    private static final class Unchecked implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // sslmode require/prefer/allow without a CA: not checked, as libpq does not
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
