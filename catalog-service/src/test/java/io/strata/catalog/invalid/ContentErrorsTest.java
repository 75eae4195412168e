package io.strata.catalog.invalid;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.event.JobEvent;
import io.strata.common.messaging.Json;
import io.strata.platform.messaging.IncomingMessages;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.CannotCreateTransactionException;

/** Which failures are the record's fault (record it, fail its job) and which are the catalog's (retry). */
class ContentErrorsTest {

    @Test
    void nulRefusedByTheDatabaseIsAboutContent() {
        var refused = new DataIntegrityViolationException(
                "PreparedStatementCallback; bad SQL",
                new SQLException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));

        assertThat(ContentErrors.problem(refused))
                .hasValueSatisfying(
                        problem -> assertThat(problem).contains("such as a NUL character", "SQLState 22021", "0x00"));
    }

    @Test
    void dataExceptionsAndConstraintViolationsAreAboutContent() {
        assertThat(ContentErrors.problem(sqlFailure("22P05")))
                .hasValueSatisfying(p -> assertThat(p).contains("\\u0000 in JSON"));
        assertThat(ContentErrors.problem(sqlFailure("22001")))
                .hasValueSatisfying(p -> assertThat(p).contains("longer than its column"));
        assertThat(ContentErrors.problem(sqlFailure("22P02")))
                .hasValueSatisfying(p -> assertThat(p).contains("cannot parse"));
        assertThat(ContentErrors.problem(sqlFailure("23514")))
                .hasValueSatisfying(p -> assertThat(p).contains("constraint"));
        assertThat(ContentErrors.problem(
                        new DuplicateKeyException("dup", new SQLException("duplicate key value", "23505"))))
                .isPresent();
    }

    @Test
    void unreadableJsonAndRefusedFieldsAreAboutContent() {
        RuntimeException unreadable = catchRuntime(() -> Json.read("{\"type\":\"JobStarted\",", JobEvent.class));

        assertThat(ContentErrors.problem(unreadable))
                .hasValueSatisfying(p -> assertThat(p).startsWith("unreadable JSON: "));
        RuntimeException outOfRange = catchRuntime(() ->
                Json.read("{\"type\":\"JobProgressed\",\"schemaVersion\":1,\"percent\":99999999999}", JobEvent.class));
        assertThat(ContentErrors.problem(outOfRange))
                .hasValueSatisfying(p -> assertThat(p).contains("out of range"));
        assertThat(ContentErrors.problem(new InvalidContentException("field step contains a NUL character")))
                .contains("field step contains a NUL character");
        RuntimeException noCeId = catchRuntime(
                () -> IncomingMessages.ceId(new ConsumerRecord<String, String>("strata.job.events", 0, 7, "k", "{}")));
        assertThat(ContentErrors.problem(noCeId))
                .hasValueSatisfying(p -> assertThat(p).contains("no ce_id header"));
    }

    @Test
    void aDatabaseThatIsDownOrBusyIsNeverAboutContent() {
        assertThat(ContentErrors.problem(new CannotGetJdbcConnectionException(
                        "Failed to obtain JDBC Connection",
                        new SQLTransientConnectionException("Connection is not available", "08001"))))
                .isEmpty();
        assertThat(ContentErrors.problem(new CannotCreateTransactionException(
                        "Could not open JDBC Connection for transaction", new ConnectException("Connection refused"))))
                .isEmpty();
        assertThat(ContentErrors.problem(new QueryTimeoutException("statement timeout")))
                .isEmpty();
        assertThat(ContentErrors.problem(new CannotAcquireLockException(
                        "lock", new SQLException("could not obtain lock on row", "55P03"))))
                .isEmpty();
        assertThat(ContentErrors.problem(new UncategorizedSQLException(
                        "insert", "INSERT ...", new SQLException("terminating connection", "57P01"))))
                .isEmpty();
    }

    @Test
    void transientWinsOverAContentStateFurtherDown() {
        var transientFirst = new TransientDataAccessResourceException(
                "connection reset while writing", new SQLException("invalid byte sequence", "22021"));

        assertThat(ContentErrors.problem(transientFirst)).isEmpty();
    }

    @Test
    void aBugIsNotBlamedOnTheRecord() {
        assertThat(ContentErrors.problem(new NullPointerException("job.state()")))
                .isEmpty();
        assertThat(ContentErrors.problem(new IllegalStateException("no job row after insert")))
                .isEmpty();
    }

    private static DataIntegrityViolationException sqlFailure(String state) {
        return new DataIntegrityViolationException("statement failed", new SQLException("ERROR: refused", state));
    }

    private static RuntimeException catchRuntime(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
