package io.strata.catalog.secrets;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * At start-up, encrypts the secrets still in plaintext (the passwords registered before encryption at
 * rest, which the V7 migration marked {@code plain:}), so they do not wait for a rotation. Secrets under an
 * older key are left to {@code POST /internal/v1/secrets/rotate}.
 */
@Component
class PlaintextSealing implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(PlaintextSealing.class);
    private final SecretCipher cipher;
    private final List<SealedSecrets> stores;

    PlaintextSealing(SecretCipher cipher, List<SealedSecrets> stores) {
        this.cipher = cipher;
        this.stores = stores;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!cipher.encrypts()) {
            return;
        }
        Rotation done = stores.stream().map(SealedSecrets::sealPlaintext).reduce(Rotation.none(), Rotation::plus);
        if (done.rotated() > 0) {
            log.info("Encrypted {} secret(s) that were stored in plaintext", done.rotated());
        }
        done.failed().forEach(f -> log.warn("Could not encrypt the secret of '{}': {}", f.owner(), f.reason()));
    }
}
