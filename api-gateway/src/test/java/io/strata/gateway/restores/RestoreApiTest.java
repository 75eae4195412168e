package io.strata.gateway.restores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.command.RecoveryTarget;
import io.strata.common.command.RestoreBackup;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobKind;
import io.strata.common.model.Lsn;
import io.strata.common.model.Names;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.PlannedBase;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.ResultActions;
import tools.jackson.databind.json.JsonMapper;

@GatewayWebMvcTest(RestoreController.class)
@Import({RestoreChecks.class, SourceDatabases.class})
class RestoreApiTest extends GatewaySliceTest {
    private static final String BACKUP = "20261122T120000Z-abc123";
    private final PreparedStatement query = mock(PreparedStatement.class);
    private final ResultSet rows = mock(ResultSet.class);

    @BeforeEach
    void shopHasOneGoodBackup() throws SQLException {
        when(catalog.source("shop"))
                .thenReturn(Optional.of(new SourceView("shop", "127.0.0.1", 5432, "shopdb", "postgres", null, NOW)));
        SourceConnection connection = new SourceConnection("shop", "127.0.0.1", 5432, "shopdb", "postgres", "secret");
        when(catalog.sourceConnection("shop")).thenReturn(Optional.of(connection));
        when(catalog.backup(BACKUP)).thenReturn(Optional.of(backup("shop", "SUCCEEDED")));
        when(catalog.createJob(any())).thenAnswer(call -> queuedJob(call.getArgument(0)));
        Connection jdbc = mock(Connection.class);
        when(pgTools.connect(eq(connection), eq("shopdb"), any())).thenReturn(jdbc);
        when(jdbc.prepareStatement("select 1 from pg_database where datname = ?"))
                .thenReturn(query);
        when(query.executeQuery()).thenReturn(rows);
        when(rows.next()).thenReturn(false);
    }

    private static BackupView backup(String source, String status) {
        return new BackupView(
                BACKUP,
                source,
                BackupKind.LOGICAL,
                BackupType.FULL,
                status,
                10L,
                5L,
                "ab",
                NOW,
                NOW,
                null,
                null,
                null,
                null,
                "shopdb",
                false,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private ResultActions restore(String token, String json) throws Exception {
        return mvc.perform(post("/api/v1/restores")
                .header("Authorization", bearer(token))
                .contentType(MediaType.APPLICATION_JSON)
                .content(json));
    }

    private ResultActions restoreAsAdmin(String json) throws Exception {
        return restore(ADMIN, json);
    }

    private static String intoDatabase(String database) {
        return "{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"database\":"
                + JsonMapper.builder().build().writeValueAsString(database) + "}}";
    }

    @Test
    void restoresIntoNewDatabaseAfterCheckingItDoesNotExist() throws Exception {
        restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.status").value("QUEUED"))
                .andExpect(jsonPath("$.statusUrl").value(org.hamcrest.Matchers.startsWith("/api/v1/jobs/")))
                .andExpect(header().exists("Location"));

        verify(query).setString(1, "shop_copy");
        ArgumentCaptor<NewJob> job = ArgumentCaptor.forClass(NewJob.class);
        verify(catalog).createJob(job.capture());
        RestoreBackup restore = createdCommand(Topics.RESTORE_COMMANDS, RestoreBackup.class);
        assertThat(job.getValue().kind()).isEqualTo(JobKind.RESTORE);
        assertThat(job.getValue().backupId()).isEqualTo(BACKUP);
        assertThat(restore.jobId().toString()).isEqualTo(job.getValue().jobId());
        assertThat(restore.into()).isEqualTo(RestoreBackup.RestoreInto.newDatabase("shop_copy"));
        assertThat(restore.backupId().toString()).isEqualTo(BACKUP);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "x; DROP DATABASE y",
                "\"quoted\"",
                "shop_copy\"; drop table t; --",
                "Shop",
                "1starts_with_digit",
                "has-dash",
                "has space",
                "",
                "a234567890123456789012345678901234567890123456789012345678901234"
            })
    void rejectsDatabaseNamesThatAreNotPlainIdentifiers(String name) throws Exception {
        restoreAsAdmin(intoDatabase(name))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("into.database"))
                .andExpect(jsonPath("$.errors[0].message").value("must be " + Names.DATABASE_RULE));
        verifyNoInteractions(pgTools, publisher);
        verify(catalog, never()).createJob(any());
    }

    @Test
    void replaceWithoutConfirmIsRefused() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"replace\":true}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail")
                        .value("replace overwrites database 'shopdb' of source 'shop': send"
                                + " \"confirm\": true to proceed (a safety backup is taken first)"))
                .andExpect(jsonPath("$.errors[0].field").value("confirm"));
        verify(catalog, never()).createJob(any());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"TRUE\"", "\"true\"", "1", "\"yes\""})
    void onlyTheJsonLiteralTrueConfirmsAReplace(String coerced) throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"replace\":true},\"confirm\":"
                        + coerced + "}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("confirm"))
                .andExpect(jsonPath("$.errors[0].message").value(containsString("true or false")));
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"replace\":" + coerced
                        + "},\"confirm\":true}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into.replace"));
        verify(catalog, never()).createJob(any());
        verifyNoInteractions(publisher);
    }

    @Test
    void aMisspelledFieldIsAnErrorNotIgnored() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP
                        + "\",\"into\":{\"replace\":true},\"confrim\":true}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("confrim"))
                .andExpect(jsonPath("$.errors[0].message").value(containsString("is not a field of this request")))
                .andExpect(content().string(org.hamcrest.Matchers.not(containsString("io.strata"))));
        verifyNoInteractions(publisher);
    }

    @Test
    void aFractionalPortIsRefusedNotTruncated() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":\"x\","
                        + "\"port\":5499.9}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into.port"));
        verifyNoInteractions(publisher);
    }

    @Test
    void controlCharactersAnywhereAreRefusedWithoutEchoingThem() throws Exception {
        restoreAsAdmin("{\"source\":\"sh\\u0000op\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"database\":\"x\"}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("source"))
                .andExpect(jsonPath("$.errors[0].message").value(containsString("U+0000")));
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":"
                        + "\"shop\\nrestore_command\",\"port\":5499}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into.dataDirectory"));
        verifyNoInteractions(publisher);
    }

    @Test
    void aDataDirectoryIsANameOrAPathDirectlyInsideARoot() {
        RestoreDataRoots roots = new RestoreDataRoots(List.of(java.nio.file.Path.of("/srv/restores")));

        assertThat(roots.check("shop-1529")).isEqualTo("shop-1529");
        assertThat(roots.check("/srv/restores/shop-1529")).isEqualTo("/srv/restores/shop-1529");
        for (String bad : List.of(
                "/etc/strata-test",
                "/tmp/x",
                "/srv/restores/a/b",
                "/srv/restores/../etc",
                "r1x'$(touch /tmp/pwned)'",
                "/srv/restores/r1x'$(touch x)'",
                ".hidden",
                "rel/dir")) {
            assertThatThrownBy(() -> roots.check(bad))
                    .as(bad)
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining("into.dataDirectory");
        }
    }

    @Test
    void replaceWithConfirmIsAcceptedWithoutLookingForTheDatabase() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP
                        + "\",\"into\":{\"replace\":true},\"confirm\":true}")
                .andExpect(status().isAccepted());
        assertThat(createdCommand(Topics.RESTORE_COMMANDS, RestoreBackup.class).into())
                .isEqualTo(RestoreBackup.RestoreInto.replaceSource());
        verifyNoInteractions(pgTools);
    }

    @Test
    void intoWithBothDatabaseAndReplaceIsRefused() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP
                        + "\",\"into\":{\"database\":\"x\",\"replace\":true},\"confirm\":true}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into"));
    }

    @Test
    void intoWithNeitherIsRefused() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\",\"into\":{}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into"));
    }

    @Test
    void missingIntoAndBackupIdAreBadRequests() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\"}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into"));
        restoreAsAdmin("{\"source\":\"shop\",\"into\":{\"database\":\"x\"}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("backupId"));
    }

    private static final String CLUSTER = "\"into\":{\"dataDirectory\":\"/srv/pitr/shop\",\"port\":5499}";

    private static RecoveryPlan plan(String problemCode, String problem) {
        PlannedBase base = new PlannedBase(
                "20261122T110000Z-def456", lsn("0/2000028"), lsn("0/2000100"), 1, NOW, 1_000L, 30_000_000L, "m");
        List<PlannedSegment> segments = List.of(
                new PlannedSegment("000000010000000000000002", "k2", "s2", false, lsn("0/3000000"), 100L, NOW),
                new PlannedSegment("000000010000000000000003", "k3", "s3", true, lsn("0/3000200"), 50L, NOW));
        return problemCode == null
                ? new RecoveryPlan(
                        "shop",
                        null,
                        null,
                        null,
                        base,
                        null,
                        null,
                        16_777_216L,
                        segments,
                        2,
                        150L,
                        List.of(),
                        null,
                        List.of())
                : new RecoveryPlan(
                        "shop",
                        null,
                        problemCode,
                        problem,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        0,
                        0,
                        List.of(),
                        new ReachableRange(NOW, lsn("0/2000100"), NOW, lsn("0/3000200")),
                        List.of());
    }

    private static Lsn lsn(String text) {
        return Lsn.parse(text);
    }

    @Test
    void pointInTimeRestoreCarriesTheTargetAndThePlannedBaseBackup() throws Exception {
        when(catalog.planRecovery(eq("shop"), any())).thenReturn(plan(null, null));

        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"time\":\"2026-11-22T15:29:00+01:00\"}," + CLUSTER + "}")
                .andExpect(status().isAccepted());

        ArgumentCaptor<RecoveryPlanRequest> asked = ArgumentCaptor.forClass(RecoveryPlanRequest.class);
        verify(catalog).planRecovery(eq("shop"), asked.capture());
        assertThat(asked.getValue().target().time()).isEqualTo("2026-11-22T15:29:00+01:00");
        RestoreBackup restore = createdCommand(Topics.RESTORE_COMMANDS, RestoreBackup.class);
        assertThat(restore.target().kind()).isEqualTo(RecoveryTarget.Kind.TIME);
        assertThat(restore.backupId().toString()).isEqualTo("20261122T110000Z-def456");
        assertThat(restore.into()).isEqualTo(RestoreBackup.RestoreInto.newCluster("/srv/pitr/shop", 5499));
        assertThat(restore.pointInTime()).isTrue();
    }

    @Test
    void unreachableTargetIsUnprocessableAndSaysWhatCanBeReached() throws Exception {
        when(catalog.planRecovery(eq("shop"), any()))
                .thenReturn(plan("BEFORE_FIRST_BACKUP", "time 2020-01-01T00:00:00Z is before the first backup"));

        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"time\":\"2020-01-01T00:00:00Z\"}," + CLUSTER + "}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.problemCode").value("BEFORE_FIRST_BACKUP"))
                .andExpect(jsonPath("$.detail").value(containsString("before the first backup")))
                .andExpect(jsonPath("$.reachable.earliestLsn").value("0/2000100"))
                .andExpect(jsonPath("$.reachable.latestLsn").value("0/3000200"));
        verify(catalog, never()).createJob(any());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"time\":\"yesterday\"}",
                "{\"time\":\"2026-11-22T15:29:00\"}",
                "{\"lsn\":\"3000060\"}",
                "{\"xid\":\"-5\"}",
                "{\"restorePoint\":\"\"}",
                "{}",
                "{\"latest\":true,\"lsn\":\"0/3000060\"}"
            })
    void malformedTargetsAreBadRequests(String target) throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"target\":" + target + "," + CLUSTER + "}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value(org.hamcrest.Matchers.startsWith("target")));
        verify(catalog, never()).planRecovery(anyString(), any());
    }

    @Test
    void pointInTimeRestoreNeedsANewClusterWithAPort() throws Exception {
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"database\":\"x\"}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(containsString("dataDirectory")));
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":\"rel/dir\","
                        + "\"port\":5499}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into.dataDirectory"));
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":\"/a/../etc\","
                        + "\"port\":5499}}")
                .andExpect(status().isBadRequest());
        restoreAsAdmin("{\"source\":\"shop\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":\"/srv/x\","
                        + "\"port\":80}}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("into.port"));
        restoreAsAdmin("{\"source\":\"shop\"," + CLUSTER + "}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("target"));
        // a logical backup cannot be the start of a point-in-time restore
        restoreAsAdmin("{\"source\":\"shop\",\"backupId\":\"" + BACKUP + "\"," + CLUSTER + "}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.errors[0].field").value("backupId"));
    }

    @Test
    void previewSaysWhatWouldBeDownloadedWithoutStartingAnything() throws Exception {
        when(catalog.planRecovery(eq("shop"), any())).thenReturn(plan(null, null));

        mvc.perform(post("/api/v1/restores/preview")
                        .header("Authorization", bearer(OPERATOR))
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"source\":\"shop\",\"target\":{\"latest\":true}," + CLUSTER + "}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.backups[0].backupId").value("20261122T110000Z-def456"))
                .andExpect(jsonPath("$.walSegments").value(2))
                .andExpect(jsonPath("$.downloadBytes").value(1_150))
                .andExpect(jsonPath("$.estimatedSeconds").value(org.hamcrest.Matchers.greaterThan(0)));
        verify(catalog, never()).createJob(any());
        verify(catalog, never()).createJob(any());
    }

    @Test
    void existingDatabaseIsAConflict() throws Exception {
        when(rows.next()).thenReturn(true);
        restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail")
                        .value("database 'shop_copy' already exists on the source server;"
                                + " choose another name or use into.replace"));
        verifyNoInteractions(publisher);
    }

    @Test
    void anUnreachableSourceIsAGatewayTimeoutWordedAlikeForClosedAndFilteredPorts() throws Exception {
        when(pgTools.connect(any(), anyString(), any()))
                .thenThrow(new SQLException("Connection to 127.0.0.1:5432 refused.", "08001"))
                .thenThrow(new SQLException(
                        "The connection attempt failed.", "08001", new java.net.SocketTimeoutException("connect")));
        String refused = restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isGatewayTimeout())
                .andExpect(jsonPath("$.detail").value(containsString("cannot connect to 127.0.0.1:5432 within 10 s")))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.not(containsString("secret"))))
                .andReturn()
                .getResponse()
                .getContentAsString();
        String filtered = restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isGatewayTimeout())
                .andReturn()
                .getResponse()
                .getContentAsString();

        assertThat(filtered).isEqualTo(refused).doesNotContain("refused.", "attempt failed");
    }

    @Test
    void aServerThatAnsweredWithAnErrorIsABadGatewayWithItsWords() throws Exception {
        when(pgTools.connect(any(), anyString(), any()))
                .thenThrow(new SQLException("FATAL: password authentication failed for user \"shop\"", "28P01"));
        restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isBadGateway())
                .andExpect(jsonPath("$.detail").value(containsString("password authentication failed")));
    }

    @Test
    void backupOfAnotherSourceIsNotFoundForThisOne() throws Exception {
        when(catalog.backup(BACKUP)).thenReturn(Optional.of(backup("billing", "SUCCEEDED")));
        restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.detail").value("backup '" + BACKUP + "' not found for source 'shop'"));
    }

    @Test
    void failedBackupIsNotRestorable() throws Exception {
        when(catalog.backup(BACKUP)).thenReturn(Optional.of(backup("shop", "FAILED")));
        restoreAsAdmin(intoDatabase("shop_copy"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.detail").value("backup " + BACKUP + " is not restorable: status FAILED"));
    }

    @Test
    void unregisteredSourceIsUnprocessable() throws Exception {
        when(catalog.source("gone")).thenReturn(Optional.empty());
        restoreAsAdmin("{\"source\":\"gone\",\"backupId\":\"" + BACKUP + "\",\"into\":{\"database\":\"x\"}}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.errors[0].field").value("source"));
    }

    @Test
    void operatorMayNotRestore() throws Exception {
        restore(OPERATOR, intoDatabase("shop_copy"))
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString("admin")));
        verifyNoInteractions(catalog, publisher);
    }
}
