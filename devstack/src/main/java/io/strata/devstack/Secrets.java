package io.strata.devstack;

import java.security.SecureRandom;
import java.util.Base64;

/** Random passwords and tokens (URL-safe letters and digits only, so they need no quoting anywhere), and keys. */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private Secrets() {}

    static String random(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return out.toString();
    }

    static String token(String role) {
        return "strata-" + role + "-" + random(32);
    }

    /** A keyring line {@code <id>:<base64 of 32 random bytes>}: a fresh AES-256 key. */
    static String keyringLine(String id) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key);
    }
}
