package io.strata.catalog.secrets;

import io.strata.common.crypto.Keyring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The catalog's {@link SecretCipher}; start-up fails here, saying what to fix, when the keys are unusable. */
@Configuration(proxyBeanMethods = false)
class SecretsConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SecretsConfiguration.class);

    @Bean
    SecretCipher secretCipher(SecretsProperties properties) {
        Keyring ring = KeyRingLoader.load(properties);
        if (ring.isEmpty()) {
            log.warn("No secrets key configured and strata.catalog.secrets.allow-plaintext=true: source passwords"
                    + " are stored UNENCRYPTED in the catalog database. Configure strata.catalog.secrets.key-file"
                    + " for anything but development.");
        } else {
            log.info("Source passwords are encrypted at rest: {}", ring);
        }
        return new SecretCipher(ring);
    }
}
