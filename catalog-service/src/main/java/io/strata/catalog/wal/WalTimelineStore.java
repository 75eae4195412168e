package io.strata.catalog.wal;

import io.strata.catalog.support.SqlTime;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code wal_timeline} table: the history files of the timelines a source moved onto. */
@Repository
public class WalTimelineStore {
    private final JdbcClient jdbc;

    WalTimelineStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records a timeline's history; the newest report wins (the archiver reports what it stored last). */
    void record(WalTimelineArchived event) {
        jdbc.sql("""
                        INSERT INTO wal_timeline (source, timeline, history, object_key, stored_bytes, sha256, archived_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (source, timeline) DO UPDATE SET
                            history = EXCLUDED.history, object_key = EXCLUDED.object_key,
                            stored_bytes = EXCLUDED.stored_bytes, sha256 = EXCLUDED.sha256,
                            archived_at = EXCLUDED.archived_at""")
                .params(
                        event.source(),
                        event.timeline(),
                        write(event.history()),
                        event.key(),
                        event.storedBytes(),
                        event.sha256(),
                        SqlTime.bind(event.archivedAt()))
                .update();
    }

    /** The column's form of a history: one "<timeline> <switch LSN>" line per entry, oldest first. */
    static String write(List<Switch> history) {
        return history.stream().map(s -> s.timeline() + " " + s.endLsn()).collect(Collectors.joining("\n"));
    }

    /** A history from its column's form. */
    public static List<Switch> read(String column) {
        List<Switch> history = new ArrayList<>();
        for (String line : column.split("\n")) {
            String[] fields = line.split(" ");
            history.add(new Switch(Integer.parseInt(fields[0]), Lsn.parse(fields[1])));
        }
        return List.copyOf(history);
    }
}
