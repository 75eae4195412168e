package io.strata.gateway.web;

import io.strata.gateway.problem.Problems;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers errors that bypass Spring MVC's handlers (a request the firewall rejected, a servlet
 * {@code sendError}) as problem+json, instead of Boot's default error body. Nothing from the failure is
 * repeated: not the exception, not its message, not the path as the client wrote it.
 */
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping(
            value = "/error",
            produces = {MediaType.APPLICATION_PROBLEM_JSON_VALUE, MediaType.ALL_VALUE})
    ResponseEntity<java.util.Map<String, Object>> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value && value >= 400 ? value : 500;
        HttpStatus known = HttpStatus.resolve(status);
        ProblemDetail problem = Problems.of(
                known == null ? HttpStatus.INTERNAL_SERVER_ERROR : known,
                status >= 500
                        ? "the gateway failed to answer; the cause is in its log"
                        : "the request was refused: " + (known == null ? "status " + status : known.getReasonPhrase())
                                + ". Paths may not hold encoded '/' or '\\', ';' parameters or control characters");
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.asJson(problem));
    }
}
