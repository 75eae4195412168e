package io.strata.catalog.sources;

import io.strata.catalog.secrets.Rotation;
import io.strata.catalog.secrets.Rotation.Failure;
import io.strata.catalog.secrets.SealedSecrets;
import io.strata.catalog.secrets.SecretCipher;
import io.strata.catalog.secrets.SecretUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The sources' passwords as sealed secrets: re-encrypts them one row per transaction, each row locked
 * while it is rewritten so a concurrent rotation or start-up never works on a stale value.
 */
@Component
class SourcePasswords implements SealedSecrets {
    private enum Outcome {
        ROTATED,
        CURRENT,
        SKIPPED
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final SecretCipher cipher;

    SourcePasswords(JdbcClient jdbc, PlatformTransactionManager transactions, SecretCipher cipher) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.cipher = cipher;
    }

    @Override
    public Rotation rotate() {
        return reseal(false);
    }

    @Override
    public Rotation sealPlaintext() {
        return reseal(true);
    }

    private Rotation reseal(boolean plaintextOnly) {
        // plain: is SecretCipher's plaintext form; the check under lock below decides, this only narrows the list
        String which = plaintextOnly ? "password_secret LIKE 'plain:%'" : "password_secret IS NOT NULL";
        List<String> names = jdbc.sql("SELECT name FROM source WHERE " + which + " ORDER BY name")
                .query(String.class)
                .list();
        int rotated = 0;
        int current = 0;
        List<Failure> failed = new ArrayList<>();
        for (String name : names) {
            try {
                Outcome outcome = transaction.execute(status -> resealOne(name, plaintextOnly));
                rotated += outcome == Outcome.ROTATED ? 1 : 0;
                current += outcome == Outcome.CURRENT ? 1 : 0;
            } catch (SecretUnavailableException e) {
                failed.add(new Failure(name, e.keyId(), e.getMessage()));
            }
        }
        return new Rotation(rotated, current, failed);
    }

    private Outcome resealOne(String name, boolean plaintextOnly) {
        Optional<String> stored = jdbc.sql("SELECT password_secret FROM source WHERE name = ? FOR UPDATE")
                .param(name)
                .query(String.class)
                .optional();
        if (stored.isEmpty()) {
            return Outcome.SKIPPED; // deleted, or its password removed, since the list was read
        }
        if (plaintextOnly && !cipher.isPlaintext(stored.get())) {
            return Outcome.SKIPPED;
        }
        Optional<String> resealed = cipher.reseal(stored.get(), name);
        if (resealed.isEmpty()) {
            return Outcome.CURRENT;
        }
        jdbc.sql("UPDATE source SET password_secret = ? WHERE name = ?")
                .param(resealed.get())
                .param(name)
                .update();
        return Outcome.ROTATED;
    }
}
