package io.strata.gateway.problem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns Spring MVC's request-binding failures into problems that name the offending field: a client
 * that sent {@code "kind":"FOO"} learns which field and which values are allowed, not a stack trace.
 */
@Order(1)
@RestControllerAdvice
public class RequestErrorHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestErrorHandler.class);

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        for (FieldError error : ex.getBindingResult().getFieldErrors()) {
            errors.add(new FieldProblem(error.getField(), error.getDefaultMessage()));
        }
        ex.getBindingResult()
                .getGlobalErrors()
                .forEach(error -> errors.add(new FieldProblem(error.getObjectName(), error.getDefaultMessage())));
        return badRequest(ex, errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        ex.getParameterValidationResults().forEach(result -> {
            String name = result.getMethodParameter().getParameterName();
            for (MessageSourceResolvable error : result.getResolvableErrors()) {
                errors.add(new FieldProblem(name, error.getDefaultMessage()));
            }
        });
        return badRequest(ex, errors, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
        String message = "'" + shown(ex.getValue()) + "' is not " + expected(ex.getRequiredType());
        return badRequest(ex, List.of(new FieldProblem(name, message)), request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        JacksonException json = jacksonCause(ex);
        if (json == null) {
            ProblemDetail problem =
                    Problems.of(HttpStatus.BAD_REQUEST, "request body is missing or unreadable: send a JSON object");
            return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
        }
        String field = fieldPath(json);
        if (field.isEmpty()) {
            var at = json.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            ProblemDetail problem = Problems.of(
                    HttpStatus.BAD_REQUEST, "request body is not valid JSON" + where + ": send one JSON object");
            return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
        }
        return badRequest(ex, List.of(new FieldProblem(field, fieldMessage(json))), request);
    }

    /** Anything unforeseen is still answered as a problem; the details stay in the log, not in the answer. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> onUnexpected(Exception ex, WebRequest request) {
        log.error("unexpected failure answering {}", request.getDescription(false), ex);
        ProblemDetail problem = Problems.of(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "the gateway failed unexpectedly; the cause is in its log. Retrying may help if it was transient");
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /** Gives every problem Spring MVC builds itself (404 no route, 405, 415 ...) a Strata type. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, status, request);
        // Spring fills in the body of its own exceptions inside the call above, so the type is set afterwards
        if (response != null
                && response.getBody() instanceof ProblemDetail problem
                && (problem.getType() == null
                        || "about:blank".equals(problem.getType().toString()))) {
            problem.setType(Problems.typeOf(status));
        }
        return response;
    }

    private ResponseEntity<Object> badRequest(Exception ex, List<FieldProblem> errors, WebRequest request) {
        String detail = "invalid request: "
                + errors.stream()
                        .map(error -> error.field() + " " + error.message())
                        .collect(Collectors.joining("; "));
        ProblemDetail problem = Problems.of(HttpStatus.BAD_REQUEST, detail, errors);
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    private static JacksonException jacksonCause(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof JacksonException json) {
                return json;
            }
        }
        return null;
    }

    /** {@code into.database} or {@code objects[2].key}, from the parser's path into the body. */
    static String fieldPath(JacksonException ex) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : ex.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** What is wrong with one field, in words of the API: never a class name or a parser's message. */
    private static String fieldMessage(JacksonException ex) {
        if (ex instanceof UnrecognizedPropertyException unknown) {
            return "is not a field of this request"
                    + (unknown.getKnownPropertyIds() == null
                                    || unknown.getKnownPropertyIds().isEmpty()
                            ? ""
                            : "; its fields are "
                                    + unknown.getKnownPropertyIds().stream()
                                            .map(Object::toString)
                                            .sorted()
                                            .collect(Collectors.joining(", ")));
        }
        if (ex instanceof InvalidFormatException invalid && invalid.getTargetType() == String.class) {
            return invalid.getOriginalMessage(); // StrictJson's own words about control characters
        }
        if (ex instanceof InvalidFormatException invalid) {
            return "'" + shown(invalid.getValue()) + "' is not " + expected(invalid.getTargetType());
        }
        if (ex instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return "must be " + expected(mismatched.getTargetType());
        }
        return "is malformed";
    }

    /** A rejected value as the problem may repeat it: printable, and short. */
    private static String shown(Object value) {
        String text = String.valueOf(value).replaceAll("\\p{Cntrl}", "?");
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a valid value";
        }
        if (type.isEnum()) {
            return "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
        }
        if (type == java.util.UUID.class) {
            return "a UUID";
        }
        return switch (type.getSimpleName()) {
            case "Integer", "int", "Long", "long" -> "a whole number";
            case "Boolean", "boolean" -> "true or false";
            case "String" -> "a string";
            default -> "a valid " + type.getSimpleName();
        };
    }
}
