package io.strata.catalog.secrets;

import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets for storage with AES-256-GCM: a fresh 12-byte nonce per value, and the secret's owner (a
 * source's name) as additional authenticated data, so a value copied into another owner's row does not
 * open. Stored form: {@code v1:<keyId>:<base64(nonce || ciphertext || tag)>}. Without keys (allowed only
 * by {@code strata.catalog.secrets.allow-plaintext}) values are stored as {@code plain:<secret>}, the form
 * the V7 migration gave the passwords registered before encryption at rest.
 */
public final class SecretCipher {
    static final String SEALED = "v1:";
    static final String PLAIN = "plain:";
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Keyring ring;

    /** Seals with the ring's active key; opens with any of its keys. {@link Keyring#none()}: plaintext. */
    public SecretCipher(Keyring ring) {
        this.ring = ring;
    }

    /** False when no key is configured and secrets are stored in plaintext. */
    public boolean encrypts() {
        return !ring.isEmpty();
    }

    /** The stored form of {@code secret} belonging to {@code owner}, sealed under the active key. */
    public String seal(String secret, String owner) {
        EncryptionKey key = ring.activeKey().orElse(null);
        if (key == null) {
            return PLAIN + secret;
        }
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, key, nonce, owner, secret.getBytes(StandardCharsets.UTF_8));
        ByteBuffer out =
                ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed);
        return SEALED + key.id() + ":" + Base64.getEncoder().encodeToString(out.array());
    }

    /**
     * The secret in {@code stored}, which must belong to {@code owner}.
     *
     * @throws SecretUnavailableException naming the key when it is not configured or does not open the value
     */
    public String open(String stored, String owner) {
        if (stored.startsWith(PLAIN)) {
            return stored.substring(PLAIN.length());
        }
        String keyId = keyId(stored).orElseThrow(() -> SecretUnavailableException.malformed(owner));
        EncryptionKey key = ring.key(keyId).orElseThrow(() -> SecretUnavailableException.keyMissing(keyId, owner));
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(stored.substring(SEALED.length() + keyId.length() + 1));
        } catch (IllegalArgumentException e) {
            throw SecretUnavailableException.malformed(owner);
        }
        if (payload.length < NONCE_BYTES + TAG_BITS / 8) {
            throw SecretUnavailableException.malformed(owner);
        }
        byte[] nonce = Arrays.copyOf(payload, NONCE_BYTES);
        byte[] sealed = Arrays.copyOfRange(payload, NONCE_BYTES, payload.length);
        try {
            return new String(crypt(Cipher.DECRYPT_MODE, key, nonce, owner, sealed), StandardCharsets.UTF_8);
        } catch (BadSecretException e) {
            throw SecretUnavailableException.undecryptable(keyId, owner);
        }
    }

    /**
     * The value re-sealed under the active key, or empty when it already is (or, without keys, when it is
     * plaintext already). Opening first means a value under a missing key fails here, naming the key.
     */
    public Optional<String> reseal(String stored, String owner) {
        if (isCurrent(stored)) {
            return Optional.empty();
        }
        return Optional.of(seal(open(stored, owner), owner));
    }

    /** Whether {@code stored} is in plaintext (registered before encryption, or without keys). */
    public boolean isPlaintext(String stored) {
        return stored.startsWith(PLAIN);
    }

    private boolean isCurrent(String stored) {
        return ring.activeKey()
                .map(active -> keyId(stored).filter(active.id()::equals).isPresent())
                .orElseGet(() -> isPlaintext(stored));
    }

    /** The key id of a sealed value; empty for plaintext or an unknown format. */
    static Optional<String> keyId(String stored) {
        if (!stored.startsWith(SEALED)) {
            return Optional.empty();
        }
        int end = stored.indexOf(':', SEALED.length());
        String keyId = end < 0 ? "" : stored.substring(SEALED.length(), end);
        return EncryptionKey.isValidId(keyId) ? Optional.of(keyId) : Optional.empty();
    }

    private static byte[] crypt(int mode, EncryptionKey key, byte[] nonce, String owner, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(mode, new SecretKeySpec(key.bytes(), "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new BadSecretException();
        } catch (GeneralSecurityException e) {
            // AES-GCM is mandatory in every Java runtime; reaching this is a broken JDK, not bad data
            throw new IllegalStateException("AES-GCM is not available in this Java runtime", e);
        }
    }

    /** The tag did not verify: wrong key material, another owner's value, or an altered one. */
    private static final class BadSecretException extends RuntimeException {
        BadSecretException() {
            super(null, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "SecretCipher[" + ring + "]";
    }
}
