package io.strata.catalog.secrets;

/** The secrets keys are missing, unreadable or malformed: the catalog refuses to start. */
public class SecretsConfigurationException extends IllegalStateException {
    public SecretsConfigurationException(String message) {
        super(message);
    }
}
