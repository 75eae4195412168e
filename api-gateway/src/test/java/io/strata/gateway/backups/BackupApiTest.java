package io.strata.gateway.backups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.command.DeleteBackup;
import io.strata.common.command.TakeBackup;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobKind;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.platform.catalog.CatalogApi.BackupObject;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.web.client.ResourceAccessException;

@GatewayWebMvcTest(BackupController.class)
@Import(BackupSubmission.class)
class BackupApiTest extends GatewaySliceTest {

    @BeforeEach
    void shopIsRegistered() {
        when(catalog.source("shop"))
                .thenReturn(Optional.of(new SourceView("shop", "127.0.0.1", 5432, "shop", "postgres", null, NOW)));
        when(catalog.createJob(any())).thenAnswer(call -> queuedJob(call.getArgument(0)));
    }

    private ResultActions postBackup(String token, String json) throws Exception {
        return mvc.perform(post("/api/v1/backups")
                .header("Authorization", bearer(token))
                .contentType(MediaType.APPLICATION_JSON)
                .content(json));
    }

    @Test
    void operatorStartsLogicalFullBackupByDefaultAndTheJobCarriesItsCommand() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"description\":\"before upgrade\"}")
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.status").value("QUEUED"))
                .andExpect(jsonPath("$.jobId").isString())
                .andExpect(jsonPath("$.backupId").value(org.hamcrest.Matchers.startsWith("20261122T153000Z-")))
                .andExpect(jsonPath("$.statusUrl").value(org.hamcrest.Matchers.startsWith("/api/v1/jobs/")))
                .andExpect(header().string("Location", org.hamcrest.Matchers.startsWith("/api/v1/jobs/")));

        ArgumentCaptor<NewJob> job = ArgumentCaptor.forClass(NewJob.class);
        verify(catalog).createJob(job.capture());
        TakeBackup take = createdCommand(Topics.BACKUP_COMMANDS, TakeBackup.class);
        // the job and its command are one call: the catalog stores both in one transaction (its outbox)
        verifyNoInteractions(publisher);
        assertThat(job.getValue().kind()).isEqualTo(JobKind.BACKUP);
        assertThat(take.jobId().toString()).isEqualTo(job.getValue().jobId());
        assertThat(take.backupId().toString()).isEqualTo(job.getValue().backupId());
        assertThat(take.kind()).isEqualTo(BackupKind.LOGICAL);
        assertThat(take.type()).isEqualTo(BackupType.FULL);
        assertThat(take.schemaOnly()).isFalse();
        assertThat(take.description()).isEqualTo("before upgrade");
        assertThat(take.requestedAt()).isEqualTo(NOW);
        assertThat(take.schemaVersion()).isEqualTo(1);
    }

    @Test
    void viewerMayNotStartBackups() throws Exception {
        postBackup(VIEWER, "{\"source\":\"shop\"}")
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(403))
                .andExpect(jsonPath("$.title").value("Forbidden"))
                .andExpect(jsonPath("$.type").isString())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("operator")));
        verifyNoInteractions(publisher);
    }

    @Test
    void requestWithoutTokenIsUnauthenticated() throws Exception {
        mvc.perform(post("/api/v1/backups")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"source\":\"shop\"}"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(header().string("WWW-Authenticate", "Bearer"))
                .andExpect(jsonPath("$.status").value(401))
                .andExpect(jsonPath("$.title").value("Unauthorized"))
                .andExpect(jsonPath("$.detail").isString());
    }

    @Test
    void unknownTokenIsUnauthenticatedEvenForReads() throws Exception {
        mvc.perform(get("/api/v1/backups").header("Authorization", bearer("not-a-token")))
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("not known")));
        verifyNoInteractions(catalogProxy);
    }

    @Test
    void unknownEnumValueIsBadRequestNamingTheField() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"kind\":\"SNAPSHOT\"}")
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("kind"))
                .andExpect(jsonPath("$.errors[0].message")
                        .value(org.hamcrest.Matchers.containsString("LOGICAL, PHYSICAL")));
    }

    @Test
    void malformedJsonIsBadRequest() throws Exception {
        postBackup(OPERATOR, "{\"source\":")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("JSON")));
    }

    @Test
    void missingSourceIsBadRequestNamingTheField() throws Exception {
        postBackup(OPERATOR, "{\"kind\":\"LOGICAL\"}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("source"));
    }

    @Test
    void overlongDescriptionIsBadRequest() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"description\":\"" + "x".repeat(1001) + "\"}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("description"));
    }

    @Test
    void unregisteredSourceIsUnprocessable() throws Exception {
        when(catalog.source("nope")).thenReturn(Optional.empty());
        postBackup(OPERATOR, "{\"source\":\"nope\"}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.detail")
                        .value("source 'nope' is not registered; register it with POST /api/v1/sources"))
                .andExpect(jsonPath("$.errors[0].field").value("source"));
        verify(catalog, never()).createJob(any());
    }

    @Test
    void physicalBackupsNeedWalArchivingOfTheSource() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"kind\":\"PHYSICAL\"}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.detail")
                        .value(org.hamcrest.Matchers.containsString("PUT /api/v1/sources/shop/wal-archiving")))
                .andExpect(jsonPath("$.errors[0].field").value("kind"));
        verify(catalog, never()).createJob(any());
    }

    @Test
    void incrementalPhysicalBackupsNeedWalArchivingToo() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"kind\":\"PHYSICAL\",\"type\":\"INCREMENTAL\"}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.errors[0].field").value("kind"));
        verify(catalog, never()).createJob(any());
    }

    @Test
    void logicalBackupsAreAlwaysFull() throws Exception {
        postBackup(OPERATOR, "{\"source\":\"shop\",\"type\":\"INCREMENTAL\"}")
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.detail")
                        .value("logical backups are always FULL; DIFFERENTIAL/INCREMENTAL need kind PHYSICAL"))
                .andExpect(jsonPath("$.errors[0].field").value("type"));
    }

    @Test
    void unreachableCatalogIsServiceUnavailable() throws Exception {
        when(catalog.source("shop")).thenThrow(new ResourceAccessException("Connection refused"));
        postBackup(OPERATOR, "{\"source\":\"shop\"}")
                .andExpect(status().isServiceUnavailable())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail")
                        .value(org.hamcrest.Matchers.containsString("catalog-service is unreachable")));
    }

    @Test
    void malformedBackupIdIsNotFound() throws Exception {
        mvc.perform(get("/api/v1/backups/not-an-id").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.status").value(404));
    }

    @Test
    void listPassesFiltersToTheCatalog() throws Exception {
        when(catalogProxy.backups(any())).thenReturn(List.of(logicalBackup()));
        mvc.perform(get("/api/v1/backups?source=shop&kind=LOGICAL&limit=5").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].backupId").value("20261122T153000Z-abcdef"))
                .andExpect(jsonPath("$[0].kind").value("LOGICAL"))
                .andExpect(jsonPath("$[0].sizeBytes").value(2048))
                .andExpect(jsonPath("$[0].finishedAt").value("2026-11-22T15:31:00Z"))
                // a logical backup has no WAL positions: absent, as the catalog sends it
                .andExpect(jsonPath("$[0].startLsn").doesNotExist());
        verify(catalogProxy)
                .backups(org.mockito.ArgumentMatchers.argThat(query -> "shop".equals(query.get("source"))
                        && query.get("kind") == BackupKind.LOGICAL
                        && Integer.valueOf(5).equals(query.get("limit"))));
    }

    @Test
    void oneBackupIsAnsweredWithItsObjects() throws Exception {
        when(catalogProxy.backup("20261122T153000Z-abcdef")).thenReturn(Optional.of(logicalBackup()));
        mvc.perform(get("/api/v1/backups/20261122T153000Z-abcdef").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.backupId").value("20261122T153000Z-abcdef"))
                .andExpect(jsonPath("$.objects[0].key").value("shop/logical/20261122T153000Z-abcdef/dump"))
                .andExpect(jsonPath("$.objects[0].sizeBytes").value(1024));
    }

    private static final String FULL_ID = "20261122T153000Z-f0f0f0";
    private static final String INCR_ID = "20261123T153000Z-1a1a1a";

    @Test
    void deletingABackupOthersAreBuiltOnIsAConflictListingThem() throws Exception {
        when(catalogProxy.backup(FULL_ID)).thenReturn(Optional.of(physicalFull(List.of(INCR_ID))));

        mvc.perform(delete("/api/v1/backups/" + FULL_ID).header("Authorization", bearer(ADMIN)))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.dependents[0]").value(INCR_ID))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("cascade=true")));
        verify(catalog, never()).createJob(any());
    }

    @Test
    void cascadeDeletesTheDependentsTooThroughADeleteJob() throws Exception {
        when(catalogProxy.backup(FULL_ID)).thenReturn(Optional.of(physicalFull(List.of(INCR_ID))));

        mvc.perform(delete("/api/v1/backups/" + FULL_ID + "?cascade=true").header("Authorization", bearer(ADMIN)))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.status").value("QUEUED"));

        ArgumentCaptor<NewJob> job = ArgumentCaptor.forClass(NewJob.class);
        verify(catalog).createJob(job.capture());
        DeleteBackup command = createdCommand(Topics.BACKUP_COMMANDS, DeleteBackup.class);
        assertThat(job.getValue().kind()).isEqualTo(JobKind.DELETE);
        assertThat(command.backupId().toString()).isEqualTo(FULL_ID);
        assertThat(command.cascade()).isTrue();
        assertThat(command.source()).isEqualTo("shop");
    }

    @Test
    void onlyAdminsDeleteBackups() throws Exception {
        mvc.perform(delete("/api/v1/backups/" + FULL_ID).header("Authorization", bearer(OPERATOR)))
                .andExpect(status().isForbidden());
        verify(catalog, never()).createJob(any());
    }

    private static BackupView physicalFull(List<String> dependents) {
        return new BackupView(
                FULL_ID,
                "shop",
                BackupKind.PHYSICAL,
                BackupType.FULL,
                "SUCCEEDED",
                2048L,
                1024L,
                "ab".repeat(32),
                NOW,
                NOW.plusSeconds(60),
                null,
                null,
                null,
                null,
                null,
                false,
                "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11",
                "shop/backups/" + FULL_ID + "/manifest.json",
                List.of(),
                null,
                null,
                List.of(FULL_ID),
                null,
                null,
                true,
                null,
                dependents,
                null,
                null,
                null);
    }

    private static BackupView logicalBackup() {
        return new BackupView(
                "20261122T153000Z-abcdef",
                "shop",
                BackupKind.LOGICAL,
                BackupType.FULL,
                "SUCCEEDED",
                2048L,
                1024L,
                "ab".repeat(32),
                NOW,
                NOW.plusSeconds(60),
                null,
                null,
                null,
                "before upgrade",
                "shop",
                false,
                "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11",
                "shop/logical/20261122T153000Z-abcdef/manifest.json",
                List.of(new BackupObject("shop/logical/20261122T153000Z-abcdef/dump", 1024, "cd".repeat(32))),
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
}
