package io.strata.common.command;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where point-in-time recovery stops, as the REST API spells it: one of {@code time} (RFC 3339, any zone),
 * {@code restorePoint} (a named point), {@code lsn} (parsed: the gateway checked its spelling), {@code xid}
 * or {@code latest: true}.
 * {@code immediate: true} (internal: restoring a physical backup by id without a target) stops as soon as
 * the backup is consistent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecoveryTarget(String time, String restorePoint, Lsn lsn, String xid, Boolean latest, Boolean immediate) {

    public enum Kind {
        TIME,
        RESTORE_POINT,
        LSN,
        XID,
        LATEST,
        IMMEDIATE
    }

    public static RecoveryTarget latestTarget() {
        return new RecoveryTarget(null, null, null, null, true, null);
    }

    public static RecoveryTarget immediateTarget() {
        return new RecoveryTarget(null, null, null, null, null, true);
    }

    public static RecoveryTarget at(Instant time) {
        return new RecoveryTarget(time.toString(), null, null, null, null, null);
    }

    /** The names of the fields that are set; a valid target has exactly one. */
    @JsonIgnore
    public List<String> fieldsSet() {
        return fieldsSet(time, restorePoint, lsn, xid, latest, immediate);
    }

    /** The names of the fields that are set, also for a target still in the request's spelling (lsn as text). */
    public static List<String> fieldsSet(
            String time, String restorePoint, Object lsn, String xid, Boolean latest, Boolean immediate) {
        List<String> set = new ArrayList<>();
        if (time != null) {
            set.add("time");
        }
        if (restorePoint != null) {
            set.add("restorePoint");
        }
        if (lsn != null) {
            set.add("lsn");
        }
        if (xid != null) {
            set.add("xid");
        }
        if (Boolean.TRUE.equals(latest)) {
            set.add("latest");
        }
        if (Boolean.TRUE.equals(immediate)) {
            set.add("immediate");
        }
        return set;
    }

    /** @throws IllegalStateException unless exactly one field is set */
    @JsonIgnore
    public Kind kind() {
        List<String> set = fieldsSet();
        if (set.size() != 1) {
            throw new IllegalStateException("a recovery target names exactly one of time, restorePoint, lsn, xid,"
                    + " latest; got " + (set.isEmpty() ? "none" : String.join(", ", set)));
        }
        return switch (set.getFirst()) {
            case "time" -> Kind.TIME;
            case "restorePoint" -> Kind.RESTORE_POINT;
            case "lsn" -> Kind.LSN;
            case "xid" -> Kind.XID;
            case "latest" -> Kind.LATEST;
            default -> Kind.IMMEDIATE;
        };
    }

    /** The target time as an instant; RFC 3339 with an offset or Z ("2026-11-22T15:29:00+01:00"). */
    public static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "a time is RFC 3339 with a zone, e.g. 2026-11-22T15:29:00Z or 2026-11-22T15:29:00+01:00; got: "
                            + text);
        }
    }

    /** A transaction id as PostgreSQL's recovery_target_xid takes it: a positive 32-bit number. */
    public static long parseXid(String text) {
        long xid;
        try {
            xid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an xid is a transaction number such as 12345; got: " + text);
        }
        if (xid < 3 || xid > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("an xid is a normal transaction id, 3 to 4294967295; got: " + text);
        }
        return xid;
    }

    /** For messages: {@code time 2026-11-22T15:29:00Z}, {@code restore point 'before-upgrade'}, … */
    public String describe() {
        return switch (kind()) {
            case TIME -> "time " + time;
            case RESTORE_POINT -> "restore point '" + restorePoint + "'";
            case LSN -> "LSN " + lsn;
            case XID -> "transaction " + xid;
            case LATEST -> "the latest archived WAL";
            case IMMEDIATE -> "the end of the base backup";
        };
    }
}
