package io.strata.catalog.secrets;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Key rotation: after a new key is added and made active, re-encrypts every stored secret under it. Rows
 * under the old key stay readable while that key is configured, so the old key may go once this answers
 * 200. Needs the {@code secrets:rotate} scope.
 */
@RestController
class SecretsController {
    private static final Logger log = LoggerFactory.getLogger(SecretsController.class);
    private final SecretCipher cipher;
    private final List<SealedSecrets> stores;

    SecretsController(SecretCipher cipher, List<SealedSecrets> stores) {
        this.cipher = cipher;
        this.stores = stores;
    }

    /** 200 {@code {rotated, alreadyCurrent}}; 409 naming the secrets whose key is missing or wrong. */
    @PostMapping("/internal/v1/secrets/rotate")
    ResponseEntity<?> rotate() {
        if (!cipher.encrypts()) {
            return ResponseEntity.status(HttpStatus.CONFLICT)
                    .body(problem("No secrets key is configured (allow-plaintext mode): configure"
                            + " strata.catalog.secrets.key-file and restart before rotating."));
        }
        Rotation done = stores.stream().map(SealedSecrets::rotate).reduce(Rotation.none(), Rotation::plus);
        log.info(
                "Secrets rotation: {} re-encrypted, {} already current, {} failed",
                done.rotated(),
                done.alreadyCurrent(),
                done.failed().size());
        if (done.failed().isEmpty()) {
            return ResponseEntity.ok(Map.of("rotated", done.rotated(), "alreadyCurrent", done.alreadyCurrent()));
        }
        done.failed().forEach(f -> log.warn("Secret of '{}' not rotated: {}", f.owner(), f.reason()));
        ProblemDetail problem = problem(done.failed().size() + " secret(s) could not be re-encrypted because their"
                + " key is missing or wrong (see failed[]); the others were. Configure the named keys and retry.");
        problem.setProperty("rotated", done.rotated());
        problem.setProperty("alreadyCurrent", done.alreadyCurrent());
        problem.setProperty("failed", done.failed());
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    private static ProblemDetail problem(String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, detail);
        problem.setType(URI.create("about:blank"));
        problem.setTitle(HttpStatus.CONFLICT.getReasonPhrase());
        return problem;
    }
}
