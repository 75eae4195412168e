package io.strata.devstack;

import io.strata.common.storage.S3ObjectStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 API (S3Proxy) inside this JVM, storing objects as files under a directory, with signed
 * requests (AWS signature v2 or v4) required, as a real bucket would.
 */
final class S3Server implements AutoCloseable {
    static final String BUCKET = "strata";

    private final S3Proxy proxy;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private boolean stopped;

    private S3Server(S3Proxy proxy, URI endpoint, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    static S3Server start(Path root) throws Exception {
        Files.createDirectories(root);
        URI endpoint = URI.create("http://127.0.0.1:" + Ports.free());
        String accessKey = Secrets.random(20);
        String secretKey = Secrets.random(40);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(root.toString()))
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        proxy.start();
        S3Server server = new S3Server(proxy, endpoint, accessKey, secretKey);
        try {
            server.awaitStarted();
            try (S3Client s3 = server.client()) {
                new S3ObjectStore(s3, BUCKET, 5 * 1024 * 1024, 1, S3ObjectStore.defaultRetry()).ensureBucket();
            }
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitStarted() throws InterruptedException {
        for (int i = 0; i < 300 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(100);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new DevStackException("S3Proxy on " + endpoint + " did not start: state " + proxy.getState());
        }
    }

    /** An S3 client configured the way Strata's services configure theirs (path style, URL-connection HTTP). */
    S3Client client() {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .build();
    }

    URI endpoint() {
        return endpoint;
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    @Override
    public synchronized void close() throws IOException {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IOException("stopping S3Proxy on " + endpoint + " failed", e);
        }
    }
}
