package io.strata.catalog.invalid;

import io.strata.platform.messaging.IncomingMessages.MissingCeIdException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Optional;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import tools.jackson.core.JacksonException;

/**
 * Tells a record that failed because of its content (record it, fail its job) from a failure of the catalog
 * itself (database down, lock timeout, a bug), which must stay an exception so the record is retried.
 * When in doubt it answers "not content": wrongly failing a healthy job is worse than retrying.
 */
public final class ContentErrors {
    private static final int MAX_DETAIL = 300;
    private static final int MAX_DEPTH = 16;

    private ContentErrors() {}

    /** What is wrong with the record's content, or empty when {@code failure} is not about content. */
    public static Optional<String> problem(Throwable failure) {
        if (isTransient(failure)) {
            return Optional.empty();
        }
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
            switch (cause) {
                case InvalidContentException invalid -> {
                    return Optional.of(invalid.getMessage());
                }
                case MissingCeIdException missing -> {
                    return Optional.of(missing.getMessage());
                }
                case JacksonException json -> {
                    return Optional.of("unreadable JSON: " + detail(json.getOriginalMessage()));
                }
                case SQLException sql
                when isContentState(sql.getSQLState()) -> {
                    return Optional.of(refusedByDatabase(sql));
                }
                default -> {
                    // look further down the chain
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isTransient(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
            if (cause instanceof TransientDataAccessException
                    || cause instanceof RecoverableDataAccessException
                    // CannotGetJdbcConnectionException among others
                    || cause instanceof DataAccessResourceFailureException
                    || cause instanceof CannotCreateTransactionException
                    || cause instanceof SQLTransientException
                    || cause instanceof SQLRecoverableException) {
                return true;
            }
        }
        return false;
    }

    /** SQLState class 22 (data exception) and 23 (integrity constraint violation): the values, not the server. */
    private static boolean isContentState(String state) {
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static String refusedByDatabase(SQLException sql) {
        String what = switch (sql.getSQLState()) {
            case "22021" -> "text the database cannot store (an invalid byte sequence, such as a NUL character)";
            case "22P05" -> "a character the database cannot store (such as \\u0000 in JSON)";
            case "22001" -> "a value longer than its column allows";
            case "22003" -> "a number out of range";
            case "22P02", "22007", "22008" -> "a value the database cannot parse or represent";
            default ->
                sql.getSQLState().startsWith("23")
                        ? "a value that breaks a database constraint"
                        : "data the database refuses";
        };
        return what + " (SQLState " + sql.getSQLState() + ": " + detail(sql.getMessage()) + ")";
    }

    private static String detail(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return EventText.line(newline < 0 ? message : message.substring(0, newline), MAX_DETAIL);
    }
}
