package io.strata.catalog.secrets;

import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A secret the catalog cannot open is a configuration fault the operator must fix, so its message (key id
 * and owner, never the value) is answered instead of the generic 500; ordered before the catch-all.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class SecretProblems {
    private static final Logger log = LoggerFactory.getLogger(SecretProblems.class);

    @ExceptionHandler(SecretUnavailableException.class)
    ProblemDetail unavailable(SecretUnavailableException e) {
        log.error("Cannot serve a secret: {}", e.getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
        problem.setType(URI.create("about:blank"));
        problem.setTitle(HttpStatus.INTERNAL_SERVER_ERROR.getReasonPhrase());
        if (e.keyId() != null) {
            problem.setProperty("keyId", e.keyId());
        }
        return problem;
    }
}
