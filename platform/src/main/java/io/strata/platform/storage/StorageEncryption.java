package io.strata.platform.storage;

import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.jobs.JobFailureException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * Which keys a service encrypts new objects with and reads stored ones with (the STRATA-ENC format of
 * {@link ObjectEncryption}). Integrity hashes (manifests, the catalog) always cover the <em>stored</em>
 * bytes, so a verify or a restore-point check proves an object intact without holding any key.
 *
 * <p>A keyring file is re-read when its modification time or size changes: rotating a key is adding a line
 * (the last key is active unless {@code active-key} says otherwise) and the next object uses it, while
 * objects written with an older key stay readable as long as its line stays.
 */
public final class StorageEncryption {
    private static final String HOW_TO_CONFIGURE =
            "set STRATA_ENCRYPTION_KEYS_FILE (a 0600 file of `<id>:<base64 of 32 bytes>` lines) on this service";
    /** The largest STRATA-ENC header (30 bytes plus a 32-byte key id) fits in this many bytes. */
    static final int HEADER_PROBE_BYTES = 64;

    private static final int MAGIC_BYTES = 8;

    private final String service;
    private final Path file;
    private final String activeKey;
    private Keyring keyring;
    private FileTime loadedModified;
    private long loadedSize = -1;

    private StorageEncryption(String service, Keyring keyring, Path file, String activeKey) {
        this.service = Objects.requireNonNull(service, "service");
        this.keyring = keyring;
        this.file = file;
        this.activeKey = activeKey;
    }

    /** No keys: new objects in clear, encrypted objects unreadable. */
    public static StorageEncryption off(String service) {
        return new StorageEncryption(service, Keyring.none(), null, null);
    }

    /** A fixed keyring (from an environment variable, or a test's). */
    public static StorageEncryption of(String service, Keyring keyring) {
        return new StorageEncryption(service, keyring, null, null);
    }

    /**
     * A keyring read from {@code file} now (so a bad file stops the service at start-up) and again
     * whenever the file changes.
     */
    public static StorageEncryption fromFile(String service, Path file, String activeKey) {
        StorageEncryption encryption = new StorageEncryption(service, Keyring.none(), file, activeKey);
        encryption.keyring();
        return encryption;
    }

    /** From {@code strata.encryption}; {@link #off} when it names no keys. */
    public static StorageEncryption from(String service, EncryptionProperties properties) {
        if (properties == null || !properties.configured()) {
            return off(service);
        }
        if (properties.keysFile() != null && !properties.keysFile().toString().isBlank()) {
            return fromFile(service, properties.keysFile(), properties.activeKey());
        }
        try {
            // one key per line, or comma-separated in an environment variable (base64 has no commas)
            return of(service, Keyring.parse(properties.keys().replace(',', '\n'), properties.activeKey()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("strata.encryption.keys (STRATA_ENCRYPTION_KEYS): " + e.getMessage(), e);
        }
    }

    /** The keys to read stored objects with: every key configured now. */
    public synchronized Keyring keyring() {
        if (file == null) {
            return keyring;
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.lastModifiedTime().equals(loadedModified) || attributes.size() != loadedSize) {
                keyring = Keyring.fromFile(file, activeKey);
                loadedModified = attributes.lastModifiedTime();
                loadedSize = attributes.size();
            }
            return keyring;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the encryption keyring " + file + " (strata.encryption.keys-file): " + e.getMessage(),
                    e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + " (strata.encryption.keys-file)", e);
        }
    }

    /**
     * The keyring new objects of {@code source} are written with: {@link Keyring#none()} when the source
     * turned encryption off ({@code encrypt=false}), this service's keys otherwise; a source that requires
     * encryption ({@code encrypt=true}) on a service without a key fails here, before anything is written.
     */
    public Keyring forWriting(String source, Boolean encrypt) {
        if (Boolean.FALSE.equals(encrypt)) {
            return Keyring.none();
        }
        Keyring current = keyringForJob();
        if (Boolean.TRUE.equals(encrypt) && current.activeKey().isEmpty()) {
            throw new JobFailureException(
                    FailureCode.ENCRYPTION_KEY_MISSING,
                    "Source '" + source + "' requires encrypted storage but the " + service
                            + " has no encryption key: " + HOW_TO_CONFIGURE
                            + ", or register the source with \"encrypt\": false. Nothing was written.",
                    false);
        }
        return current;
    }

    /** {@link #keyring()} for a job: a keyring that cannot be read fails the job, not the service. */
    public Keyring keyringForJob() {
        try {
            return keyring();
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new JobFailureException(
                    FailureCode.ENCRYPTION_KEY_MISSING,
                    "The " + service + "'s encryption keys cannot be used: " + e.getMessage()
                            + ". Nothing was written.",
                    false,
                    e);
        }
    }

    /**
     * The plaintext of the stored bytes {@code stored} yields, encrypted or not; closing it leaves {@code
     * stored} open (its caller usually hashes the rest). Read it to its end: the final chunk is authenticated
     * only then, so a consumer that stops early (a decompressor at its frame's end) must drain it.
     *
     * @param requireEncrypted refuse an object stored in clear: for a source registered with {@code "encrypt":
     *     true}, whose every object was written encrypted, a plain one can only have been put there by someone
     *     else (with write access to the store, a plain object and a plain manifest would otherwise pass)
     * @throws EncryptedObjectException when the object names a key this service lacks, or is in clear though
     *     required encrypted (see {@link #unreadable})
     */
    public InputStream plaintext(InputStream stored, boolean requireEncrypted) throws IOException {
        PushbackInputStream peekable = new PushbackInputStream(keepOpen(stored), MAGIC_BYTES);
        byte[] first = peekable.readNBytes(MAGIC_BYTES);
        peekable.unread(first);
        if (requireEncrypted && !ObjectEncryption.isEncrypted(first)) {
            throw new EncryptedObjectException(
                    EncryptedObjectException.Reason.NOT_ENCRYPTED,
                    "the object is stored in clear, but its source requires encryption (\"encrypt\": true), so every"
                            + " object of it was written encrypted");
        }
        return ObjectEncryption.decryptIfNeeded(peekable, keyringForJob());
    }

    /** {@code in}, except that closing it does not close {@code in}: for a reader that must go on reading. */
    public static InputStream keepOpen(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public void close() {}
        };
    }

    /**
     * The plaintext of a small stored object (a manifest), encrypted or not.
     *
     * @throws JobFailureException when it cannot be decrypted ({@link #unreadable})
     * @throws IOException when the store cannot read it ({@link io.strata.common.storage.NoSuchObjectException}
     *     when it does not exist)
     */
    public byte[] readAll(ObjectStore store, String key, boolean requireEncrypted) throws IOException {
        try (InputStream stored = store.open(key);
                InputStream plain = plaintext(stored, requireEncrypted)) {
            return plain.readAllBytes();
        } catch (EncryptedObjectException e) {
            throw unreadable(key, e);
        }
    }

    /**
     * Proves this service can read {@code key} before a restore writes anything: opens the object's first
     * bytes and resolves the key its header names. Plain (unencrypted) objects pass unless {@code
     * requireEncrypted}.
     *
     * @throws JobFailureException {@code ENCRYPTION_KEY_MISSING} naming the key, {@code CHECKSUM_MISMATCH} for a
     *     damaged header, {@code STORAGE_ERROR} when the store cannot be read
     */
    public void requireReadable(ObjectStore store, String key, boolean requireEncrypted) {
        try (InputStream stored = store.openRange(key, 0, HEADER_PROBE_BYTES);
                InputStream head = plaintext(stored, requireEncrypted)) {
            // the header was read and its key resolved; the chunks are checked when the object is read
        } catch (EncryptedObjectException e) {
            throw unreadable(key, e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not read " + key + " from " + store.describe() + ": " + e.getMessage()
                            + ". Check the object store and retry.",
                    true,
                    e);
        }
    }

    /**
     * The job failure for an object that cannot be decrypted: {@code ENCRYPTION_KEY_MISSING} when a key is
     * not configured here (the message names it: key ids are not secret), {@code CHECKSUM_MISMATCH} when
     * the object fails authentication or is cut short, which is damage or tampering.
     */
    public JobFailureException unreadable(String key, EncryptedObjectException e) {
        return switch (e.reason()) {
            case NO_KEY_CONFIGURED, UNKNOWN_KEY ->
                new JobFailureException(
                        FailureCode.ENCRYPTION_KEY_MISSING,
                        "Cannot decrypt " + key + " on the " + service + ": " + e.getMessage() + " (" + HOW_TO_CONFIGURE
                                + ").",
                        false,
                        e);
            default ->
                new JobFailureException(
                        FailureCode.CHECKSUM_MISMATCH,
                        "Stored object " + key + " fails decryption (" + e.reason() + "): " + e.getMessage()
                                + ". It was damaged or tampered with in the object store; restore another backup.",
                        false,
                        e);
        };
    }

    @Override
    public String toString() {
        return "StorageEncryption[" + service + ", " + (file != null ? "file " + file : keyring) + "]";
    }
}
