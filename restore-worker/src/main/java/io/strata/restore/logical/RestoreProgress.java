package io.strata.restore.logical;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * How far a restore is. Downloading is 0-40 %, by stored bytes read; restoring is 40-99 %, by archive
 * items pg_restore has processed out of those {@code pg_restore -l} lists.
 */
final class RestoreProgress {
    static final String DOWNLOADING = "downloading";
    static final String SAFETY_BACKUP = "safety backup";
    static final String RESTORING = "restoring";
    static final String SWAPPING = "swapping";
    static final int DOWNLOAD_END = 40;

    /** Items pg_restore -j reports processing but -l does not list: they are not archive entries. */
    private static final Set<String> UNLISTED = Set.of("ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE");

    private RestoreProgress() {}

    static int downloadingPercent(long storedDone, long storedTotal) {
        return storedTotal <= 0 ? 0 : (int) Math.min(DOWNLOAD_END, storedDone * DOWNLOAD_END / storedTotal);
    }

    static int restoringPercent(int itemsDone, int itemsTotal) {
        int span = 99 - DOWNLOAD_END;
        return DOWNLOAD_END + (itemsTotal <= 0 ? 0 : (int) Math.min(span, (long) itemsDone * span / itemsTotal));
    }

    /** Entries of a {@code pg_restore -l} listing: every line that is not a {@code ;} comment. */
    static int countTocEntries(List<String> listing) {
        return (int) listing.stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith(";"))
                .count();
    }

    /**
     * Counts the items {@code pg_restore -v} reports done. Serially it logs one line per item
     * ("creating", "processing data for", "executing"); with {@code -j} it logs "processing item" for the
     * items it runs itself and "finished item" for those its workers ran, and the other lines as well.
     */
    static final class ItemCounter implements Consumer<String> {
        private final boolean parallel;
        private final AtomicInteger done = new AtomicInteger();

        ItemCounter(boolean parallel) {
            this.parallel = parallel;
        }

        @Override
        public void accept(String line) {
            if (counts(line)) {
                done.incrementAndGet();
            }
        }

        int done() {
            return done.get();
        }

        private boolean counts(String line) {
            if (!line.startsWith("pg_restore: ")) {
                return false;
            }
            String message = line.substring("pg_restore: ".length());
            if (parallel) {
                return message.startsWith("finished item ")
                        || (message.startsWith("processing item ") && !UNLISTED.contains(kind(message)));
            }
            return message.startsWith("creating ")
                    || message.startsWith("processing data for ")
                    || message.startsWith("executing ");
        }

        /** The entry kind in "processing item 3356 ENCODING ENCODING". */
        private static String kind(String message) {
            String[] words = message.split(" ");
            return words.length > 3 ? words[3] : "";
        }
    }
}
