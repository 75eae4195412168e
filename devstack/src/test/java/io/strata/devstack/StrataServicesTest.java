package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrataServicesTest {
    @TempDir
    Path repoRoot;

    @Test
    void aServiceRunningOnceKeepsItsNameAndSeveralAreNumberedFromOne() {
        assertThat(StrataServices.instanceNames("backup-worker", 1)).containsExactly("backup-worker");
        assertThat(StrataServices.instanceNames("backup-worker", 3))
                .containsExactly("backup-worker-1", "backup-worker-2", "backup-worker-3");
        assertThat(StrataServices.instanceNames("restore-worker", 2))
                .containsExactly("restore-worker-1", "restore-worker-2");
    }

    @Test
    void onlyTheWorkersMayRunSeveralInstances() {
        for (String service : List.of("api-gateway", "catalog-service", "wal-archiver")) {
            assertThatThrownBy(() -> StrataServices.instanceNames(service, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(service);
        }
        assertThatThrownBy(() -> StrataServices.instanceNames("backup-worker", 0))
                .isInstanceOf(IllegalArgumentException.class);
        Map<String, Integer> counts = StrataServices.counts(1, 1);
        counts.put("catalog-service", 2);
        assertThatThrownBy(() -> StrataServices.plan(counts, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StrataServices.plan(Map.of("scheduler", 1), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheduler");
    }

    @Test
    void theFirstInstanceOfEachServiceGetsTheDefaultPortAndTheOthersFreeOnes() {
        Deque<Integer> free = new ArrayDeque<>(List.of(40001, 40002, 40003));
        List<StrataServices.Instance> plan =
                StrataServices.plan(StrataServices.counts(3, 2), preferred -> preferred, free::pop);

        assertThat(plan)
                .containsExactly(
                        new StrataServices.Instance("api-gateway", "api-gateway", 8080),
                        new StrataServices.Instance("catalog-service", "catalog-service", 8081),
                        new StrataServices.Instance("backup-worker", "backup-worker-1", 8082),
                        new StrataServices.Instance("backup-worker", "backup-worker-2", 40001),
                        new StrataServices.Instance("backup-worker", "backup-worker-3", 40002),
                        new StrataServices.Instance("restore-worker", "restore-worker-1", 8083),
                        new StrataServices.Instance("restore-worker", "restore-worker-2", 40003),
                        new StrataServices.Instance("wal-archiver", "wal-archiver", 8084));
    }

    @Test
    void aPortHandedOutTwiceIsReplacedSoEveryInstanceHasItsOwn() {
        // the "free port" source repeats itself and even hands out a default port already taken
        Deque<Integer> free = new ArrayDeque<>(List.of(8082, 40001, 40001, 40001, 40002));
        List<StrataServices.Instance> plan =
                StrataServices.plan(StrataServices.counts(2, 2), preferred -> preferred, free::pop);

        assertThat(plan).extracting(StrataServices.Instance::port).doesNotHaveDuplicates();
        assertThat(plan)
                .filteredOn(i -> i.name().equals("backup-worker-2"))
                .extracting(StrataServices.Instance::port)
                .containsExactly(40001);
        assertThat(plan)
                .filteredOn(i -> i.name().equals("restore-worker-2"))
                .extracting(StrataServices.Instance::port)
                .containsExactly(40002);
    }

    @Test
    void aPortSourceThatKeepsRepeatingItselfEndsInAClearError() {
        IntSupplier stuck = () -> 8080;
        assertThatThrownBy(() -> StrataServices.plan(StrataServices.counts(1, 1), p -> 8080, stuck))
                .isInstanceOf(DevStackException.class)
                .hasMessageContaining("catalog-service");
    }

    @Test
    void realPortsAreDistinctWithOrWithoutDefaults() {
        for (boolean preferDefaults : new boolean[] {true, false}) {
            List<StrataServices.Instance> plan = StrataServices.plan(StrataServices.counts(4, 3), preferDefaults);
            assertThat(plan).hasSize(10);
            assertThat(plan).extracting(StrataServices.Instance::port).doesNotHaveDuplicates();
        }
    }

    @Test
    void eachInstanceHasItsOwnNamePortAndLogsAndItsServicesEnvironment() throws IOException {
        fakeJars();
        Path logs = repoRoot.resolve("logs");
        List<StrataServices.Instance> plan =
                StrataServices.plan(StrataServices.counts(2, 1), preferred -> preferred + 100, counter(50000));

        StrataServices services = StrataServices.prepare(
                repoRoot,
                plan,
                Map.of("STRATA_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                Map.of(
                        "backup-worker", Map.of("STRATA_CATALOG_TOKEN", "backup-token"),
                        "restore-worker", Map.of("STRATA_CATALOG_TOKEN", "restore-token")),
                logs);

        assertThat(services.instanceNames())
                .containsExactly(
                        "api-gateway",
                        "catalog-service",
                        "backup-worker-1",
                        "backup-worker-2",
                        "restore-worker",
                        "wal-archiver");
        ManagedService first = services.get("backup-worker-1");
        ManagedService second = services.get("backup-worker-2");
        ManagedService restore = services.get("restore-worker");

        assertThat(first.env()).containsEntry("STRATA_INSTANCE", "backup-worker-1");
        assertThat(second.env()).containsEntry("STRATA_INSTANCE", "backup-worker-2");
        assertThat(restore.env()).containsEntry("STRATA_INSTANCE", "restore-worker");
        assertThat(first.env()).containsEntry("SERVER_PORT", "8182");
        assertThat(second.env()).containsEntry("SERVER_PORT", "50000");
        assertThat(restore.env()).containsEntry("SERVER_PORT", "8183");
        assertThat(first.port()).isEqualTo(8182);
        assertThat(second.port()).isEqualTo(50000);
        assertThat(second.baseUrl()).hasToString("http://127.0.0.1:50000");

        // the service's own environment, shared by its instances; the shared one for all
        assertThat(first.env()).containsEntry("STRATA_CATALOG_TOKEN", "backup-token");
        assertThat(second.env()).containsEntry("STRATA_CATALOG_TOKEN", "backup-token");
        assertThat(restore.env()).containsEntry("STRATA_CATALOG_TOKEN", "restore-token");
        assertThat(services.get("wal-archiver").env())
                .containsEntry("STRATA_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
                .doesNotContainKey("STRATA_CATALOG_TOKEN");

        assertThat(second.env())
                .containsEntry(
                        "LOGGING_FILE_NAME",
                        logs.resolve("backup-worker-2.json").toString());
        assertThat(second.logFile()).isEqualTo(logs.resolve("backup-worker-2.out"));
        assertThat(restore.logFile()).isEqualTo(logs.resolve("restore-worker.out"));
        assertThat(second.service()).isEqualTo("backup-worker");
        assertThat(second.command(List.of()))
                .contains("-Xmx" + ManagedService.HEAP)
                .endsWith("-jar", StrataServices.jar(repoRoot, "backup-worker").toString());
        assertThat(services.get("wal-archiver").command(List.of())).contains("-Xmx256m");
        assertThat(second.name()).isEqualTo("backup-worker-2");

        List<String> ports = services.instanceNames().stream()
                .map(n -> services.get(n).env().get("SERVER_PORT"))
                .toList();
        assertThat(ports).doesNotHaveDuplicates().hasSize(6);
        assertThat(first.isAlive()).isFalse(); // prepared, not started
    }

    @Test
    void aServiceNameFindsItsOnlyOrFirstInstance() throws IOException {
        fakeJars();
        StrataServices services = StrataServices.prepare(
                repoRoot,
                StrataServices.plan(StrataServices.counts(3, 1), p -> p, counter(41000)),
                Map.of(),
                Map.of(),
                repoRoot.resolve("logs"));

        assertThat(services.get("backup-worker").name()).isEqualTo("backup-worker-1");
        assertThat(services.get("restore-worker").name()).isEqualTo("restore-worker");
        assertThat(services.get("backup-worker-3").name()).isEqualTo("backup-worker-3");
        assertThat(services.instances("backup-worker"))
                .extracting(ManagedService::name)
                .containsExactly("backup-worker-1", "backup-worker-2", "backup-worker-3");
        assertThat(services.instances("wal-archiver"))
                .extracting(ManagedService::name)
                .containsExactly("wal-archiver");
        assertThatThrownBy(() -> services.get("backup-worker-4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backup-worker-3");
        assertThatThrownBy(() -> services.instances("backup-worker-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingJarsAreReportedBeforeAnythingIsPrepared() {
        assertThatThrownBy(() -> StrataServices.prepare(
                        repoRoot,
                        StrataServices.plan(StrataServices.counts(1, 1), p -> p, counter(42000)),
                        Map.of(),
                        Map.of(),
                        repoRoot.resolve("logs")))
                .isInstanceOf(DevStackException.class)
                .hasMessageContaining("no service jar");
    }

    @Test
    void stackEnvKeepsTheServicePortVariablesAndNamesEveryInstance() {
        List<StrataServices.Instance> plan = StrataServices.plan(StrataServices.counts(2, 1), p -> p, counter(43000));

        Map<String, String> env = StrataServices.stackEnv(plan);

        assertThat(env)
                .containsEntry("STRATA_API_GATEWAY_PORT", "8080")
                .containsEntry("STRATA_CATALOG_SERVICE_PORT", "8081")
                .containsEntry("STRATA_BACKUP_WORKER_PORT", "8082")
                .containsEntry("STRATA_BACKUP_WORKER_1_PORT", "8082")
                .containsEntry("STRATA_BACKUP_WORKER_2_PORT", "43000")
                .containsEntry("STRATA_RESTORE_WORKER_PORT", "8083")
                .containsEntry("STRATA_WAL_ARCHIVER_PORT", "8084")
                .containsEntry(
                        "STRATA_INSTANCES",
                        "api-gateway,catalog-service,backup-worker-1,backup-worker-2,restore-worker,wal-archiver")
                .hasSize(8);
        assertThat(StrataServices.stackEnv(StrataServices.plan(StrataServices.counts(1, 1), p -> p, counter(1))))
                .containsEntry(
                        "STRATA_INSTANCES", "api-gateway,catalog-service,backup-worker,restore-worker,wal-archiver")
                .hasSize(6);
    }

    private void fakeJars() throws IOException {
        for (String service : StrataServices.NAMES) {
            Path jar = StrataServices.jar(repoRoot, service);
            Files.createDirectories(jar.getParent());
            Files.createFile(jar);
        }
    }

    private static IntSupplier counter(int start) {
        int[] next = {start};
        return () -> next[0]++;
    }
}
