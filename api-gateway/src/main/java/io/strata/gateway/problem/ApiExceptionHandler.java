package io.strata.gateway.problem;

import io.strata.platform.messaging.MessagePublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * Renders the gateway's own {@link ApiException}s and the failures of the systems behind it (catalog,
 * Kafka) as problem+json. The catalog's 4xx problems are passed through as they are: they already say
 * what is wrong with the request.
 */
@Order(0)
@RestControllerAdvice
public class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> onApiException(ApiException ex) {
        if (!ex.isCallerError()) {
            log.warn("answering {}: {}", ex.status().value(), ex.getMessage(), ex.getCause());
        }
        ProblemDetail problem = Problems.of(ex.status(), ex.getMessage(), ex.errors());
        ex.properties().forEach(problem::setProperty);
        return respond(problem);
    }

    @ExceptionHandler(HttpClientErrorException.class)
    ResponseEntity<?> onCatalogClientError(HttpClientErrorException ex) {
        if (ex.getStatusCode().value() == 401 || ex.getStatusCode().value() == 403) {
            log.error("catalog-service refused the gateway's internal token: {}", ex.getMessage());
            return respond(
                    Problems.of(
                            HttpStatus.BAD_GATEWAY,
                            "catalog-service refused the gateway's internal token; check STRATA_CATALOG_TOKEN on both services"));
        }
        String body = ex.getResponseBodyAsString();
        if (body.isBlank() || !body.strip().startsWith("{")) {
            return respond(Problems.of(ex.getStatusCode(), "catalog-service answered " + ex.getStatusText()));
        }
        return ResponseEntity.status(ex.getStatusCode())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(body);
    }

    @ExceptionHandler(RestClientResponseException.class)
    ResponseEntity<ProblemDetail> onCatalogServerError(RestClientResponseException ex) {
        log.warn("catalog-service failed: {}", ex.getMessage());
        return respond(Problems.of(
                HttpStatus.BAD_GATEWAY,
                "catalog-service failed with " + ex.getStatusCode().value() + "; see its log, then retry"));
    }

    /** The catalog answered, but with something the gateway cannot read: a version mismatch between the two. */
    @ExceptionHandler(RestClientException.class)
    ResponseEntity<ProblemDetail> onUnreadableCatalogAnswer(RestClientException ex) {
        log.error("unreadable answer from catalog-service", ex);
        return respond(Problems.of(
                HttpStatus.BAD_GATEWAY,
                "catalog-service answered with a body the gateway cannot read; check that both services run the"
                        + " same Strata version (the cause is in the gateway's log)"));
    }

    @ExceptionHandler(ResourceAccessException.class)
    ResponseEntity<ProblemDetail> onCatalogUnreachable(ResourceAccessException ex) {
        log.warn("catalog-service unreachable: {}", ex.getMessage());
        return respond(Problems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "catalog-service is unreachable; retry shortly (the cause is in the gateway's log)"));
    }

    @ExceptionHandler(MessagePublisher.PublishException.class)
    ResponseEntity<ProblemDetail> onKafkaUnavailable(MessagePublisher.PublishException ex) {
        log.warn("Kafka unavailable: {}", ex.getMessage());
        return respond(Problems.of(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage() + "; retry shortly"));
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
