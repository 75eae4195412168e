package io.strata.gateway.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's own error answers (a path with {@code %2F}, a header block over the limit, a malformed request
 * line) as problem+json instead of its HTML page, which names the server and its version. Errors Spring
 * answers itself never get here: the response is already committed with their problem.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body(status));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response cannot take a body: nothing more to say
        }
    }

    static String body(int status) {
        String detail = switch (status) {
            case 400 ->
                "the request is malformed (its line, path encoding or headers); encoded '/' and ';'"
                        + " parameters are not accepted in paths";
            case 404 -> "no such resource: the API lives under /api/v1";
            case 405 -> "this method is not allowed here";
            case 413 -> "the request is too large; Strata's requests are small JSON objects";
            case 414 -> "the request URI is too long";
            case 431 -> "the request's headers are too large (8 KiB at most)";
            default -> "the request could not be served";
        };
        return "{\"type\":\"urn:strata:problem:http-" + status + "\",\"title\":\"" + title(status) + "\",\"status\":"
                + status + ",\"detail\":\"" + detail + "\"}";
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            default -> "Error";
        };
    }
}
