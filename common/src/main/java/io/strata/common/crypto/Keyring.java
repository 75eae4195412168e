package io.strata.common.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The keys a service may use to read objects, and the one it uses for new objects. Keys rotate by
 * adding a line and making it active: objects name the key they were written with, so old keys
 * stay in the ring for as long as old objects must be readable.
 *
 * <p>Text form, from a file or an environment variable: one key per line, {@code <id>:<base64 of
 * 32 bytes>}; lines starting with {@code #} and blank lines are ignored. The active key is named
 * separately, or is the last key. Every parse error names a line or a key id, never key material:
 * these messages end up in logs.
 */
public final class Keyring {
    private static final Keyring NONE = new Keyring(Map.of(), null);
    private static final String LINE_FORMAT = "expected `<id>:<base64 of 32 bytes>`";
    private static final Set<PosixFilePermission> OWNER_ONLY_FORBIDDEN = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE);

    private final Map<String, EncryptionKey> keys;
    private final String activeKeyId;

    private Keyring(Map<String, EncryptionKey> keys, String activeKeyId) {
        this.keys = keys;
        this.activeKeyId = activeKeyId;
    }

    /** No encryption configured: new objects are stored in clear, and encrypted ones cannot be read. */
    public static Keyring none() {
        return NONE;
    }

    /** A keyring of {@code keys} whose active key is {@code activeKeyId}, which must be one of them. */
    public static Keyring of(String activeKeyId, EncryptionKey... keys) {
        return create(List.of(keys), activeKeyId);
    }

    /** Parses the text form; the last key is the active one. */
    public static Keyring parse(String text) {
        return parse(text, null);
    }

    /**
     * Parses the text form.
     *
     * @param activeKeyId the key for new objects; {@code null} or blank means the last key
     * @throws IllegalArgumentException on any malformed line, duplicate id or unknown active id
     */
    public static Keyring parse(String text, String activeKeyId) {
        List<EncryptionKey> keys = new ArrayList<>();
        List<String> lines = text == null ? List.of() : text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                keys.add(parseLine(line, i + 1));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(
                    "no keys found: " + LINE_FORMAT + " on each line (use Keyring.none() when encryption is off)");
        }
        boolean noActive = activeKeyId == null || activeKeyId.isBlank();
        return create(keys, noActive ? keys.getLast().id() : activeKeyId.strip());
    }

    /** {@link #fromFile(Path, String)} with the last key active. */
    public static Keyring fromFile(Path file) throws IOException {
        return fromFile(file, null);
    }

    /**
     * Reads a keyring file, refusing one that group or others can read or write: whoever can read it
     * can read every backup, and whoever can write it can choose the key new backups use.
     */
    public static Keyring fromFile(Path file, String activeKeyId) throws IOException {
        requireOwnerOnly(file);
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), activeKeyId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("keyring file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The key for new objects; empty only for {@link #none()}. */
    public Optional<EncryptionKey> activeKey() {
        return activeKeyId == null ? Optional.empty() : Optional.of(keys.get(activeKeyId));
    }

    /** The key an object names in its header, if this keyring has it. */
    public Optional<EncryptionKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The ids of every key, in the order they were given. */
    public Set<String> keyIds() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    /** Whether no key at all is configured. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    @Override
    public String toString() {
        return "Keyring[keys=" + keys.keySet() + ", active=" + activeKeyId + "]";
    }

    private static EncryptionKey parseLine(String line, int number) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("line " + number + ": " + LINE_FORMAT + " (no ':' found)");
        }
        String id = line.substring(0, colon).strip();
        if (!EncryptionKey.isValidId(id)) {
            // The id is not echoed: a line written the wrong way round puts the key where the id goes.
            throw new IllegalArgumentException("line " + number + ": " + EncryptionKey.ID_RULE);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(line.substring(colon + 1).strip());
        } catch (IllegalArgumentException e) {
            // Not chained: the decoder's message quotes the offending character.
            throw new IllegalArgumentException(
                    "line " + number + ": key '" + id + "' is not valid base64: " + EncryptionKey.GENERATE_HINT);
        }
        try {
            return new EncryptionKey(id, bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + number + ": " + e.getMessage());
        }
    }

    private static Keyring create(List<EncryptionKey> keys, String activeKeyId) {
        Map<String, EncryptionKey> byId = new LinkedHashMap<>();
        for (EncryptionKey key : keys) {
            if (byId.putIfAbsent(key.id(), key) != null) {
                throw new IllegalArgumentException("key '" + key.id() + "' is defined twice: key ids must be unique");
            }
        }
        if (!EncryptionKey.isValidId(activeKeyId)) {
            throw new IllegalArgumentException("active key: " + EncryptionKey.ID_RULE);
        }
        if (!byId.containsKey(activeKeyId)) {
            throw new IllegalArgumentException(
                    "active key '" + activeKeyId + "' is not in the keyring, which has " + byId.keySet());
        }
        return new Keyring(Collections.unmodifiableMap(byId), activeKeyId);
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system (Windows): access is governed by ACLs we do not judge here
        }
        if (!Collections.disjoint(permissions, OWNER_ONLY_FORBIDDEN)) {
            throw new IllegalArgumentException("keyring file " + file + " is readable or writable by group or others ("
                    + PosixFilePermissions.toString(permissions) + "): run `chmod 600 " + file
                    + "` so only the service's user can use its keys");
        }
    }
}
