package io.strata.gateway.web;

import io.strata.gateway.problem.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Caps request bodies at {@link #MAX_BODY_BYTES} before anything parses them: a declared length over the
 * cap is answered 413 at once, and a body sent without a length (chunked) is cut off at the cap, so a
 * 20 MB body never reaches the JSON parser of a small-heap gateway. Runs before authentication.
 */
@Component
// inside the audit trail's filter (HIGHEST_PRECEDENCE + 5), so refused bodies are audited too
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class RequestLimits extends OncePerRequestFilter {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    private final JsonMapper json;

    RequestLimits(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > MAX_BODY_BYTES) {
            tooLarge(response);
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

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setStatus(HttpStatus.CONTENT_TOO_LARGE.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Connection", "close");
        json.writeValue(
                response.getOutputStream(),
                Problems.asJson(Problems.of(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "request body is larger than " + MAX_BODY_BYTES / 1024
                                + " KiB; Strata's requests are small JSON objects")));
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
