package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedServiceTest {
    @TempDir
    Path temp;

    private ManagedService service(String name) {
        return new ManagedService(
                name,
                name,
                new ServiceLaunch(name, temp.resolve("target").resolve(name + ".jar")),
                1,
                Map.of(),
                temp.resolve(name + ".out"));
    }

    /** As CI printed it: a start failed, then the JVM wrote its cache at exit and hid the reason. */
    @Test
    void theTailLeavesOutTheJvmsLinesAboutItsCache() throws Exception {
        ManagedService gateway = service("api-gateway");
        Files.write(
                temp.resolve("api-gateway.out"),
                List.of(
                        "2026-12-03T12:01:00Z ERROR 1 --- [api-gateway] [main] o.s.boot.SpringApplication :"
                                + " Application run failed",
                        "java.lang.IllegalStateException: the reason",
                        "[43.579s][warning][aot] Skipping org/springframework/core/$Proxy74: Unsupported location",
                        "[43.580s][warning][aot] Skipping jdk/proxy2/$Proxy78: Unsupported location",
                        "Temporary AOTConfiguration recorded: /x/api-gateway.aot.training-1.config",
                        "Launching child process /usr/bin/java to assemble AOT cache /x/api-gateway.aot.training-1"
                                + " using configuration /x/api-gateway.aot.training-1.config",
                        "Picked up JAVA_TOOL_OPTIONS: -Djava.class.path=/x.jar -XX:AOTMode=create",
                        "Reading AOTConfiguration /x/c.config and writing AOTCache /x/api-gateway.aot.training-1",
                        "[1.216s][warning][aot] Skipping org/springframework/core/ReactiveAdapterRegistry$ReactorAdapter:"
                                + " Unlinked class not supported by AOTClassLinking",
                        "AOTCache creation is complete: /x/api-gateway.aot.training-1 114298880 bytes",
                        "Removed temporary AOT configuration file /x/api-gateway.aot.training-1.config"));

        assertThat(gateway.tail().lines())
                .containsExactly(
                        "2026-12-03T12:01:00Z ERROR 1 --- [api-gateway] [main] o.s.boot.SpringApplication :"
                                + " Application run failed",
                        "java.lang.IllegalStateException: the reason");
    }

    /** The cache only saves CPU: a training run that fails is reported, its output dropped, and no error. */
    @Test
    void aTrainingRunThatFailsIsGivenUpWithoutFailing() throws Exception {
        ManagedService worker = service("backup-worker"); // its jar does not exist: java exits with code 1
        Path launchDir = temp.resolve("target").resolve("launch").resolve("backup-worker");
        Files.createDirectories(launchDir);
        Path partial = launchDir.resolve(
                "backup-worker.aot.training-" + ProcessHandle.current().pid());
        Files.writeString(partial, "partial");
        Files.writeString(
                partial.resolveSibling(partial.getFileName() + ".config"), "the JVM's temporary configuration");

        assertThat(worker.train()).isFalse();

        assertThat(partial).doesNotExist();
        assertThat(worker.isAlive()).isFalse();
        assertThat(worker.tail()).contains("backup-worker.jar");
        try (Stream<Path> left = Files.list(launchDir)) {
            assertThat(left).isEmpty();
        }
    }
}
