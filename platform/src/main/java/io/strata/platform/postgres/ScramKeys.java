package io.strata.platform.postgres;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SCRAM-SHA-256 salted passwords of recent logins: a login to the same server, as the same user, with the
 * same password, salt and iteration count skips PBKDF2 (4096 rounds of HMAC-SHA-256 by PostgreSQL's default:
 * 5 ms once the JIT compiled it, 20-100 ms in a worker that logs in a few times a day and so runs it
 * uncompiled). RFC 5802 (section 5.1) lets a client keep what it derived from the password this way.
 *
 * <p>An entry is used only when the server sends the same salt and iteration count (a password set again on
 * the server has a new salt) and the password given is the same (compared by a digest keyed with this
 * process's own random secret). Entries are added only after the server proved it knows the password, so a
 * wrong password is never kept. What is held, a salted password, lets its holder log in to that server as
 * that user, as the password does: so it is kept for {@link #KEEP_FOR} after the login that derived it (back to
 * back jobs, the sources of one server sharing a role), not for the life of the process, and at most
 * {@value #CAPACITY} entries, the least recently used dropped. A login's own copy is overwritten once it ended.
 */
final class ScramKeys {
    static final int CAPACITY = 64;
    private static final byte[] PROCESS_SECRET = secret();
    /** How long a salted password is kept after the login that derived it (using it does not extend this). */
    static final Duration KEEP_FOR = Duration.ofMinutes(10);

    private static final Map<Key, Kept> KEPT = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Kept> eldest) {
            return size() > CAPACITY;
        }
    };
    private static final AtomicLong DERIVED = new AtomicLong();

    private ScramKeys() {}

    /** Where a salted password holds: one server, user, password, salt and iteration count. */
    record Key(String host, int port, String user, String passwordDigest, String salt, int iterations) {}

    /** A salted password for a login, and whether it was kept from an earlier one. */
    record Salted(Key key, byte[] saltedPassword, boolean kept) {
        /** Overwrites this copy of the salted password (the kept one, if any, stays). */
        void forget() {
            Arrays.fill(saltedPassword, (byte) 0);
        }
    }

    private record Kept(byte[] saltedPassword, long keptNanos) {
        boolean expired(long now) {
            return now - keptNanos >= KEEP_FOR.toNanos();
        }
    }

    /**
     * The salted password for {@code password} with the server's {@code salt} (base64, as the server sent it)
     * and {@code iterations}: the kept one, or derived now.
     *
     * @throws IllegalArgumentException when the salt is not base64
     */
    static Salted salted(String host, int port, String user, char[] password, String salt, int iterations) {
        Key key = new Key(host, port, user, digest(password), salt, iterations);
        long now = System.nanoTime();
        Kept kept;
        synchronized (KEPT) {
            KEPT.values().removeIf(entry -> entry.expired(now)); // nothing outlives KEEP_FOR unused either
            kept = KEPT.get(key);
        }
        if (kept != null) {
            return new Salted(key, kept.saltedPassword().clone(), true);
        }
        byte[] raw = Base64.getDecoder().decode(salt);
        DERIVED.incrementAndGet();
        byte[] derived = ScramFunctions.saltedPassword(
                ScramMechanism.SCRAM_SHA_256, StringPreparation.POSTGRESQL_PREPARATION, password, raw, iterations);
        return new Salted(key, derived, false);
    }

    /** Keeps {@code salted} for the next login: call only once the server proved it knows the password. */
    static void verified(Salted salted) {
        if (!salted.kept()) {
            synchronized (KEPT) {
                KEPT.put(salted.key(), new Kept(salted.saltedPassword().clone(), System.nanoTime()));
            }
        }
    }

    /** How many salted passwords were derived (not taken from an earlier login) since the process started. */
    static long derived() {
        return DERIVED.get();
    }

    private static byte[] secret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    private static String digest(char[] password) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(PROCESS_SECRET);
            sha.update(bytes);
            return Base64.getEncoder().encodeToString(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        } finally {
            if (bytes.hasArray()) {
                Arrays.fill(bytes.array(), (byte) 0);
            }
        }
    }
}
