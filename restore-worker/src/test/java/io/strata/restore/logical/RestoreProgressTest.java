package io.strata.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {
    private static final List<String> LISTING = List.of(
            ";",
            "; Archive created at 2026-11-22 11:28:15 UTC",
            ";     TOC Entries: 13",
            ";",
            "; Selected TOC Entries:",
            ";",
            "217; 1259 16400 SEQUENCE public s postgres",
            "214; 1259 16385 TABLE public t postgres",
            "215; 1259 16393 TABLE public u postgres",
            "216; 1259 16396 VIEW public w postgres",
            "3351; 0 16385 TABLE DATA public t postgres",
            "3352; 0 16393 TABLE DATA public u postgres",
            "3360; 0 0 SEQUENCE SET public s postgres",
            "3206; 2606 16391 CONSTRAINT public t t_pkey postgres",
            "3207; 1259 16392 INDEX public t_v_idx postgres",
            "");

    /** pg_restore -v -j 2 output for the archive above, as PostgreSQL 15 prints it. */
    private static final List<String> PARALLEL_OUTPUT = List.of(
            "pg_restore: connecting to database for restore",
            "pg_restore: processing item 3356 ENCODING ENCODING",
            "pg_restore: processing item 3357 STDSTRINGS STDSTRINGS",
            "pg_restore: processing item 3358 SEARCHPATH SEARCHPATH",
            "pg_restore: processing item 3359 DATABASE shop",
            "pg_restore: processing item 217 SEQUENCE s",
            "pg_restore: creating SEQUENCE \"public.s\"",
            "pg_restore: processing item 214 TABLE t",
            "pg_restore: creating TABLE \"public.t\"",
            "pg_restore: processing item 215 TABLE u",
            "pg_restore: creating TABLE \"public.u\"",
            "pg_restore: processing item 216 VIEW w",
            "pg_restore: creating VIEW \"public.w\"",
            "pg_restore: entering main parallel loop",
            "pg_restore: launching item 3351 TABLE DATA t",
            "pg_restore: launching item 3352 TABLE DATA u",
            "pg_restore: processing data for table \"public.t\"",
            "pg_restore: processing data for table \"public.u\"",
            "pg_restore: finished item 3352 TABLE DATA u",
            "pg_restore: launching item 3360 SEQUENCE SET s",
            "pg_restore: executing SEQUENCE SET s",
            "pg_restore: finished item 3360 SEQUENCE SET s",
            "pg_restore: finished item 3351 TABLE DATA t",
            "pg_restore: launching item 3206 CONSTRAINT t t_pkey",
            "pg_restore: creating CONSTRAINT \"public.t t_pkey\"",
            "pg_restore: finished item 3206 CONSTRAINT t t_pkey",
            "pg_restore: launching item 3207 INDEX t_v_idx",
            "pg_restore: creating INDEX \"public.t_v_idx\"",
            "pg_restore: finished item 3207 INDEX t_v_idx",
            "pg_restore: finished main parallel loop");

    /** pg_restore -v (one job) output for the same archive. */
    private static final List<String> SERIAL_OUTPUT = List.of(
            "pg_restore: connecting to database for restore",
            "pg_restore: creating SEQUENCE \"public.s\"",
            "pg_restore: creating TABLE \"public.t\"",
            "pg_restore: creating TABLE \"public.u\"",
            "pg_restore: creating VIEW \"public.w\"",
            "pg_restore: processing data for table \"public.t\"",
            "pg_restore: processing data for table \"public.u\"",
            "pg_restore: executing SEQUENCE SET s",
            "pg_restore: creating CONSTRAINT \"public.t t_pkey\"",
            "pg_restore: creating INDEX \"public.t_v_idx\"");

    @Test
    void countsListedEntriesButNotComments() {
        assertThat(RestoreProgress.countTocEntries(LISTING)).isEqualTo(9);
    }

    @Test
    void parallelRestoreCountsEachListedItemOnce() {
        RestoreProgress.ItemCounter counter = new RestoreProgress.ItemCounter(true);
        PARALLEL_OUTPUT.forEach(counter);
        assertThat(counter.done()).isEqualTo(9);
    }

    @Test
    void serialRestoreCountsEachListedItemOnce() {
        RestoreProgress.ItemCounter counter = new RestoreProgress.ItemCounter(false);
        SERIAL_OUTPUT.forEach(counter);
        assertThat(counter.done()).isEqualTo(9);
    }

    @Test
    void errorLinesAreNotProgress() {
        RestoreProgress.ItemCounter counter = new RestoreProgress.ItemCounter(false);
        counter.accept("pg_restore: error: could not execute query: ERROR:  relation \"t\" already exists");
        counter.accept("Command was: CREATE TABLE public.t (id integer);");
        assertThat(counter.done()).isZero();
    }

    @Test
    void downloadFillsTheFirstFortyPercent() {
        assertThat(RestoreProgress.downloadingPercent(0, 1000)).isZero();
        assertThat(RestoreProgress.downloadingPercent(500, 1000)).isEqualTo(20);
        assertThat(RestoreProgress.downloadingPercent(1000, 1000)).isEqualTo(40);
        assertThat(RestoreProgress.downloadingPercent(5, 0)).isZero();
    }

    @Test
    void restoringRunsFromFortyToNinetyNine() {
        assertThat(RestoreProgress.restoringPercent(0, 9)).isEqualTo(40);
        assertThat(RestoreProgress.restoringPercent(9, 9)).isEqualTo(99);
        assertThat(RestoreProgress.restoringPercent(13, 9)).isEqualTo(99);
        assertThat(RestoreProgress.restoringPercent(3, 0)).isEqualTo(40);
        assertThat(RestoreProgress.restoringPercent(4, 9)).isBetween(41, 98);
    }
}
