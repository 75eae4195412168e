package io.strata.gateway.uploads;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RestoreUpload.UploadedArchive;
import io.strata.common.crypto.Keyring;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.model.Names;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.restores.SourceDatabases;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.gateway.web.TextRules;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.CompressedUpload;
import io.strata.platform.logical.CompressedUpload.Stored;
import io.strata.platform.logical.CompressedUpload.Unpublished;
import io.strata.platform.storage.StorageEncryption;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/uploads}: restore a {@code pg_dump} archive someone uploads (admin). The file is the
 * request body ({@code application/octet-stream}), streamed through zstd, encryption and SHA-256 into storage
 * (never held whole), then restored by an {@code UPLOAD_RESTORE} job into a new database on the source's server,
 * or over the source database after a safety backup ({@code replace=true&confirm=true}). Everything the
 * request names is checked before a byte is read: the source, the target, the caller's SHA-256, the key a
 * source that requires encryption needs, the size; the file's first bytes must be a pg_dump archive.
 */
@RestController
@RequestMapping("/api/v1/uploads")
@EnableConfigurationProperties(UploadProperties.class)
class UploadController {
    private static final Logger log = LoggerFactory.getLogger(UploadController.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final int MAX_FILENAME = 255;
    private static final int COPY_BUFFER = 128 * 1024;
    /** The gateway compresses on the request's thread, fast: most of a pg_dump -Fc archive is compressed already. */
    private static final CompressedUpload.Zstd ZSTD = new CompressedUpload.Zstd(1, 0);

    private final RegisteredSources sources;
    private final SourceDatabases databases;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final JobCommands jobs;
    private final Clock clock;
    private final UploadProperties properties;
    private final Semaphore slots;

    UploadController(
            RegisteredSources sources,
            SourceDatabases databases,
            ObjectStore store,
            StorageEncryption encryption,
            JobCommands jobs,
            Clock clock,
            UploadProperties properties) {
        this.sources = sources;
        this.databases = databases;
        this.store = store;
        this.encryption = encryption;
        this.jobs = jobs;
        this.clock = clock;
        this.properties = properties;
        this.slots = new Semaphore(properties.atOnce());
    }

    /** The 202 answer: the job that restores the upload, and what was received. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UploadAccepted(String jobId, JobStatus status, String statusUrl, Upload upload) {}

    /** The file as received: {@code sha256} and {@code sizeBytes} of its bytes as sent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Upload(String uploadId, String filename, String format, long sizeBytes, String sha256, long storedBytes) {}

    /**
     * The query is read here rather than bound with {@code @RequestParam}: for a form's content type the container
     * would parse the body to find parameters, and the body is the file.
     */
    @PostMapping
    ResponseEntity<UploadAccepted> upload(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            return upload(request);
        } catch (ApiException e) {
            // the rest of a refused body is not read: the connection ends with the answer, which the client reads
            response.setHeader("Connection", "close");
            throw e;
        }
    }

    private ResponseEntity<UploadAccepted> upload(HttpServletRequest request) throws IOException {
        String contentType = request.getContentType();
        if (!octetStream(contentType)) {
            throw new ApiException(
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "send the archive itself as the request body with Content-Type: application/octet-stream"
                            + " (not a form), e.g. curl --data-binary @shop.dump -H 'Content-Type:"
                            + " application/octet-stream' '.../api/v1/uploads?source=shop&database=shop_restored"
                            + "&filename=shop.dump'",
                    List.of(),
                    null);
        }
        UploadQuery query = UploadQuery.parse(request.getQueryString());
        String source = query.single("source");
        RestoreInto into = into(query.single("database"), query.flag("replace"));
        boolean confirm = query.flag("confirm");
        String owner = query.single("owner");
        if (owner != null && !Names.isDatabase(owner)) {
            throw ApiException.badRequest(
                    "owner must be an existing role of the source's server whose name is " + Names.DATABASE_RULE,
                    new FieldProblem("owner", "must be " + Names.DATABASE_RULE));
        }
        String filename = query.single("filename");
        checkFilename(filename);
        String sha256 = query.single("sha256");
        if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            throw ApiException.badRequest(
                    "sha256 must be the file's SHA-256 as 64 hex digits (sha256sum prints it), or left out",
                    new FieldProblem("sha256", "must be 64 hex digits"));
        }
        long declared = request.getContentLengthLong();
        if (declared > properties.maxSize().toBytes()) {
            throw tooLarge();
        }
        if (source == null || source.isBlank()) {
            throw ApiException.badRequest(
                    "source is required: the registered source whose server the archive is restored on",
                    new FieldProblem("source", "is required"));
        }
        SourceView registered = sources.require(source);
        if (into.replace() && !confirm) {
            String detail = "replace overwrites database '" + registered.database() + "' of source '" + source
                    + "': add confirm=true to proceed (a safety backup is taken first)";
            throw ApiException.badRequest(detail, new FieldProblem("confirm", "must be true when replace is true"));
        }
        if (!into.replace() && databases.exists(source, into.database())) {
            String detail = "database '" + into.database()
                    + "' already exists on the source server; choose another name or use replace=true";
            throw ApiException.conflict(detail, new FieldProblem("database", detail));
        }
        Keyring keys;
        try {
            keys = encryption.forWriting(source, registered.encrypt());
        } catch (JobFailureException e) {
            throw ApiException.conflict(e.getMessage().replace("Nothing was written.", "Nothing was read."));
        }
        if (!slots.tryAcquire()) {
            throw ApiException.unavailable(
                            properties.atOnce() + " upload(s) are being received already; send this one when one has"
                                    + " finished",
                            null)
                    .with("retryAfterSeconds", 30);
        }
        try {
            return receive(request, source, into, owner, filename, sha256, keys);
        } finally {
            slots.release();
        }
    }

    private static boolean octetStream(String contentType) {
        try {
            return contentType != null
                    && MediaType.APPLICATION_OCTET_STREAM.equalsTypeAndSubtype(MediaType.parseMediaType(contentType));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ResponseEntity<UploadAccepted> receive(
            HttpServletRequest request,
            String source,
            RestoreInto into,
            String owner,
            String filename,
            String sha256,
            Keyring keys)
            throws IOException {
        JobId jobId = JobId.random();
        String key = StorageLayout.uploadKey(source, jobId);
        InputStream body = request.getInputStream();
        byte[] head = new byte[ArchiveFormat.HEAD_BYTES];
        int headLength;
        try {
            headLength = body.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw cutOff(0, e);
        }
        ArchiveFormat.Detected detected = ArchiveFormat.detect(head, headLength);
        if (!detected.accepted()) {
            throw ApiException.unprocessable(detected.problem(), new FieldProblem("body", detected.problem()));
        }
        MessageDigest digest = sha256();
        long total;
        Stored stored;
        try (CompressedUpload.Sink sink = CompressedUpload.open(store, key, ZSTD, keys)) {
            OutputStream out = sink.stream();
            out.write(head, 0, headLength);
            digest.update(head, 0, headLength);
            total = headLength + copy(body, out, digest, headLength, System.nanoTime());
            String received = HexFormat.of().formatHex(digest.digest());
            if (sha256 != null && !sha256.toLowerCase(Locale.ROOT).equals(received)) {
                String detail = "the file received (" + total + " bytes) has SHA-256 " + received + ", not " + sha256
                        + ": it was changed or cut on the way. Nothing was kept; send it again.";
                throw ApiException.unprocessable(detail, new FieldProblem("sha256", detail));
            }
            try (Unpublished written = sink.finish()) {
                stored = written.publish();
            }
            UploadedArchive upload = new UploadedArchive(
                    key, filename, detected.format(), total, received, stored.storedBytes(), stored.sha256());
            JobView created = enqueue(jobId, source, into, owner, upload);
            AuditAttributes.target(jobId.toString());
            log.info(
                    "upload {} ({} bytes, {} format, SHA-256 {}) stored as {} for job {}",
                    filename == null ? "(unnamed)" : filename,
                    total,
                    detected.format(),
                    received,
                    key,
                    jobId);
            JobAccepted accepted = JobAccepted.of(created, null);
            return ResponseEntity.accepted()
                    .location(URI.create(accepted.statusUrl()))
                    .body(new UploadAccepted(
                            accepted.jobId(),
                            accepted.status(),
                            accepted.statusUrl(),
                            new Upload(
                                    jobId.toString(),
                                    filename,
                                    detected.format(),
                                    total,
                                    received,
                                    stored.storedBytes())));
        } catch (JobFailureException e) {
            throw ApiException.unavailable(
                    "the upload could not be stored: " + e.getMessage() + " Nothing was kept; send it again.", e);
        }
    }

    /**
     * Records the job that restores the stored upload. If the catalog cannot be reached, or its answer is lost, the
     * job may exist or not: the upload is left to the orphan sweep, which removes it once its job has ended, or
     * when no job restores it after the sweep's grace.
     */
    private JobView enqueue(JobId jobId, String source, RestoreInto into, String owner, UploadedArchive upload) {
        return jobs.enqueue(
                new NewJob(jobId.toString(), JobKind.UPLOAD_RESTORE, source, null, null),
                Topics.RESTORE_COMMANDS,
                new RestoreUpload(
                        RestoreUpload.SCHEMA_VERSION, jobId, source, upload, into, owner, null, clock.instant()));
    }

    /**
     * Copies the rest of the body; over the size cap, past the time allowed, or cut off, it fails and the sink's
     * close aborts the upload.
     */
    private long copy(InputStream body, OutputStream out, MessageDigest digest, long already, long startedNanos)
            throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long copied = 0;
        long max = properties.maxSize().toBytes();
        long deadline = startedNanos + properties.maxDuration().toNanos();
        int n;
        while (true) {
            try {
                n = body.read(buffer);
            } catch (IOException e) {
                throw cutOff(already + copied, e);
            }
            if (n < 0) {
                return copied;
            }
            copied += n;
            if (already + copied > max) {
                throw tooLarge();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ApiException(
                        HttpStatus.REQUEST_TIMEOUT,
                        "the upload took longer than strata.uploads.max-duration (" + properties.maxDuration()
                                + ") and was stopped after " + (already + copied) + " bytes. Nothing was kept.",
                        List.of(),
                        null);
            }
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
        }
    }

    private static ApiException cutOff(long received, IOException e) {
        return ApiException.badRequest("the upload was cut off after " + received + " bytes (" + e.getMessage()
                + "). Nothing was kept; send it again.");
    }

    private static RestoreInto into(String database, boolean replace) {
        if ((database != null) == replace) {
            throw ApiException.badRequest(
                    "name exactly one target: database=<new database> (created on the source's server) or"
                            + " replace=true&confirm=true (the source database, after a safety backup)",
                    new FieldProblem("database", "name a new database, or ask for replace=true, not both"));
        }
        if (replace) {
            return RestoreInto.replaceSource();
        }
        if (!Names.isDatabase(database)) {
            throw ApiException.badRequest(
                    "database must be " + Names.DATABASE_RULE,
                    new FieldProblem("database", "must be " + Names.DATABASE_RULE));
        }
        return RestoreInto.newDatabase(database);
    }

    private static void checkFilename(String filename) {
        if (filename == null) {
            return;
        }
        if (filename.isBlank() || filename.length() > MAX_FILENAME || TextRules.firstForbidden(filename, false) >= 0) {
            throw ApiException.badRequest(
                    "filename is a label for the upload: 1 to " + MAX_FILENAME + " printable characters",
                    new FieldProblem("filename", "must be 1 to " + MAX_FILENAME + " printable characters"));
        }
    }

    private ApiException tooLarge() {
        return new ApiException(
                HttpStatus.CONTENT_TOO_LARGE,
                "the upload is larger than strata.uploads.max-size (" + properties.maxSize() + ")",
                List.of(),
                null);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
