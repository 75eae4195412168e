package io.strata.gateway.web;

import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.problem.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Caps request bodies at {@link #MAX_BODY_BYTES} before anything parses them: a declared length over the
 * cap is answered 413 at once, and a body sent without a length (chunked) is cut off at the cap, so a
 * 20 MB body never reaches the JSON parser of a small-heap gateway. Query parameters with control
 * characters are refused (400) here too. Runs before authentication. {@code POST /api/v1/uploads} carries a
 * file and is capped by its controller instead ({@code strata.uploads.max-size}).
 */
@Component
// inside the audit trail's filter (HIGHEST_PRECEDENCE + 5), so refused bodies are audited too
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class RequestLimits extends OncePerRequestFilter {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final String UPLOADS = "/api/v1/uploads";
    private final JsonMapper json;

    RequestLimits(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean upload = isUpload(request);
        if (!upload && request.getContentLengthLong() > MAX_BODY_BYTES) {
            tooLarge(response);
            return;
        }
        FieldProblem badParameter = controlCharacterInQuery(request.getQueryString());
        if (badParameter != null) {
            problem(
                    response,
                    Problems.of(
                            HttpStatus.BAD_REQUEST,
                            "query parameter '" + badParameter.field() + "' " + badParameter.message(),
                            List.of(badParameter)));
            return;
        }
        if (upload) { // a file streamed to storage, under its own cap (strata.uploads.max-size)
            chain.doFilter(request, response);
            return;
        }
        LimitedRequest limited = new LimitedRequest(request);
        try {
            chain.doFilter(limited, response);
        } catch (ServletException | RuntimeException e) {
            if (!limited.exceeded() || response.isCommitted()) {
                throw e;
            }
            response.reset();
            tooLarge(response);
        }
    }

    /** {@code POST /api/v1/uploads}, whose body is an archive, not JSON. */
    static boolean isUpload(HttpServletRequest request) {
        return "POST".equals(request.getMethod())
                && UPLOADS.equals(request.getRequestURI()
                        .substring(request.getContextPath().length()));
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setHeader("Connection", "close");
        problem(
                response,
                Problems.of(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "request body is larger than " + MAX_BODY_BYTES / 1024
                                + " KiB; Strata's requests are small JSON objects"));
    }

    private void problem(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), Problems.asJson(problem));
    }

    /**
     * The first query parameter holding a NUL or another control character, or one that is not valid
     * percent-encoded UTF-8; null when there is none. Checked here, once for every endpoint, because Spring
     * trims such values away (an enum parameter {@code status=%00} would silently mean "no filter").
     */
    static FieldProblem controlCharacterInQuery(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name;
            String value;
            try {
                name = URLDecoder.decode(rawName, StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new FieldProblem(printable(rawName), "is not valid percent-encoded UTF-8");
            }
            if (TextRules.firstForbidden(name, false) >= 0) {
                return new FieldProblem(
                        "query",
                        "has a parameter name with a control character (" + TextRules.describe(name, false) + ")");
            }
            if (TextRules.firstForbidden(value, false) >= 0) {
                return new FieldProblem(
                        name,
                        "must not contain NUL or other control characters (found " + TextRules.describe(value, false)
                                + ")");
            }
        }
        return null;
    }

    private static String printable(String raw) {
        return raw.length() <= 64 && TextRules.firstForbidden(raw, false) < 0 ? raw : "query";
    }

    /** A request whose body stream fails once more than the cap was read. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private ServletInputStream limited;
        private volatile boolean exceeded;

        LimitedRequest(HttpServletRequest request) {
            super(request);
        }

        boolean exceeded() {
            return exceeded;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (limited == null) {
                limited = new Limited(super.getInputStream());
            }
            return limited;
        }

        private final class Limited extends ServletInputStream {
            private final ServletInputStream in;
            private long read;

            Limited(ServletInputStream in) {
                this.in = in;
            }

            @Override
            public int read() throws IOException {
                int b = in.read();
                count(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                count(Math.max(n, 0));
                return n;
            }

            private void count(int n) throws IOException {
                read += n;
                if (read > MAX_BODY_BYTES) {
                    exceeded = true;
                    throw new IOException("request body over " + MAX_BODY_BYTES + " bytes");
                }
            }

            @Override
            public boolean isFinished() {
                return in.isFinished();
            }

            @Override
            public boolean isReady() {
                return in.isReady();
            }

            @Override
            public void setReadListener(ReadListener listener) {
                in.setReadListener(listener);
            }
        }
    }
}
