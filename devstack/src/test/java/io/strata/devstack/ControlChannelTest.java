package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The control channel's protocol, with instances that are never started (no process is launched). */
class ControlChannelTest {
    private static final List<String> NAMES =
            List.of("api-gateway", "catalog-service", "backup-worker-1", "backup-worker-2", "restore-worker");

    @TempDir
    Path temp;

    private Path dir;
    private final List<Runnable> queued = new ArrayList<>();
    private ControlChannel channel;

    @BeforeEach
    void setUp() throws IOException {
        dir = temp.resolve("control");
        Map<String, ManagedService> instances = new LinkedHashMap<>();
        for (String name : NAMES) {
            String service = name.replaceFirst("-\\d+$", "");
            instances.put(
                    name,
                    new ManagedService(
                            name,
                            service,
                            new ServiceLaunch(service, temp.resolve(service + ".jar")),
                            9000 + instances.size(),
                            Map.of(),
                            temp.resolve(name + ".out")));
        }
        channel = new ControlChannel(dir, instances, queued::add);
    }

    @Test
    void aWellFormedRequestNamesAVerbAndAKnownInstance() {
        assertThat(ControlChannel.parse("kill backup-worker-2\n", NAMES))
                .isEqualTo(new ControlChannel.Request(ControlChannel.Verb.KILL, "backup-worker-2"));
        assertThat(ControlChannel.parse("  stop   restore-worker ", NAMES))
                .isEqualTo(new ControlChannel.Request(ControlChannel.Verb.STOP, "restore-worker"));
        assertThat(ControlChannel.parse("start api-gateway", NAMES))
                .isEqualTo(new ControlChannel.Request(ControlChannel.Verb.START, "api-gateway"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"restart backup-worker-1", "KILL backup-worker-1", "rm backup-worker-1", "sh -c"})
    void anUnknownVerbIsRefused(String request) {
        assertThatThrownBy(() -> ControlChannel.parse(request, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown verb")
                .hasMessageContaining("kill, stop, start");
    }

    @Test
    void anInstanceTheStackDoesNotRunIsRefused() {
        assertThatThrownBy(() -> ControlChannel.parse("kill backup-worker-3", NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no instance backup-worker-3")
                .hasMessageContaining("backup-worker-1, backup-worker-2");
        // with several instances the plain service name is not an instance
        assertThatThrownBy(() -> ControlChannel.parse("kill backup-worker", NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no instance backup-worker");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "kill ../backup-worker-1",
                "kill backup-worker-1/..",
                "kill /etc/passwd",
                "stop ..",
                "start Backup-worker-1",
                "kill backup_worker_1",
                "kill 1backup",
                "kill backup-worker-1;reboot",
                "kill $(id)"
            })
    void aNameThatIsNotAnInstanceNameIsRefusedBeforeItIsLookedUp(String request) {
        assertThatThrownBy(() -> ControlChannel.parse(request, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not an instance name");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   \n",
                "kill",
                "kill backup-worker-1 backup-worker-2",
                "kill backup-worker-1\nstop api-gateway"
            })
    void anythingButOneVerbAndOneInstanceIsRefused(String request) {
        assertThatThrownBy(() -> ControlChannel.parse(request, NAMES)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void controlCharactersAreNotEchoedBack() {
        assertThatThrownBy(() -> ControlChannel.parse("ki\u001b[2Jll backup-worker-1", NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ki?[2Jll")
                .hasMessageNotContaining("\u001b");
    }

    @Test
    void theDirectoryIsPrivateAndEmptiedOfAnEarlierStacksRequests() throws IOException {
        Files.writeString(dir.resolve("old.request"), "kill api-gateway\n");
        new ControlChannel(dir, Map.of(), queued::add);
        assertThat(listing()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
    }

    @Test
    void aRequestIsTakenOutOfTheDirectoryCarriedOutAndAnswered() throws IOException {
        Files.writeString(dir.resolve("abc123.request"), "kill backup-worker-2\n");

        channel.pollOnce();

        assertThat(listing()).isEmpty(); // taken, answered only once it was carried out
        assertThat(queued).hasSize(1);
        queued.getFirst().run();
        assertThat(listing()).containsExactly("abc123.done");
        assertThat(Files.readAllLines(dir.resolve("abc123.done")))
                .containsExactly("ok", "backup-worker-2 was not running");
    }

    @Test
    void stoppingAnInstanceThatDoesNotRunIsAnsweredOk() throws IOException {
        Files.writeString(dir.resolve("s1.request"), "stop restore-worker\n");
        channel.pollOnce();
        queued.forEach(Runnable::run);
        assertThat(Files.readAllLines(dir.resolve("s1.done"))).containsExactly("ok", "restore-worker was not running");
    }

    @Test
    void aRefusedRequestIsAnsweredWithTheReasonAndNeverCarriedOut() throws IOException {
        Files.writeString(dir.resolve("bad1.request"), "restart backup-worker-1\n");
        Files.writeString(dir.resolve("bad2.request"), "kill ../../catalog-service\n");
        Files.writeString(dir.resolve("bad3.request"), "kill wal-archiver\n");

        channel.pollOnce();

        assertThat(queued).isEmpty();
        assertThat(listing()).containsExactly("bad1.done", "bad2.done", "bad3.done");
        assertThat(firstLine("bad1.done")).startsWith("error: unknown verb 'restart'");
        assertThat(firstLine("bad2.done")).startsWith("error: '../../catalog-service' is not an instance name");
        assertThat(firstLine("bad3.done")).startsWith("error: no instance wal-archiver");
    }

    @Test
    void filesBeingWrittenAndOddlyNamedRequestsAreNotCarriedOut() throws IOException {
        Files.writeString(dir.resolve("abc.tmp"), "kill api-gateway\n");
        Files.writeString(dir.resolve("a.b.request"), "kill api-gateway\n");
        Files.createDirectory(dir.resolve("d1.request"));

        channel.pollOnce();

        assertThat(queued).isEmpty();
        assertThat(listing()).containsExactly("abc.tmp", "d1.done");
        assertThat(firstLine("d1.done")).isEqualTo("error: a request must be a plain file");
    }

    @Test
    void anOverlongRequestIsRefused() throws IOException {
        Files.writeString(dir.resolve("long.request"), "kill " + "a".repeat(2000));
        channel.pollOnce();
        assertThat(queued).isEmpty();
        assertThat(firstLine("long.done")).startsWith("error: request longer than");
    }

    @Test
    void noInstanceStartsOnceTheChannelIsClosed() {
        channel.close();
        String answer = channel.handle(new ControlChannel.Request(ControlChannel.Verb.START, "backup-worker-1"));
        assertThat(answer).startsWith("error: the dev stack is stopping");
    }

    @Test
    void anErrorKeepsItsDetailOnTheLinesAfterTheFirst() {
        assertThat(ControlChannel.error("backup-worker-1 exited\nlast log line"))
                .isEqualTo("error: backup-worker-1 exited\nlast log line\n");
        assertThat(ControlChannel.ok("killed x")).isEqualTo("ok\nkilled x\n");
        assertThat(ControlChannel.error(null)).isEqualTo("error: unknown error\n");
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String firstLine(String file) throws IOException {
        return Files.readAllLines(dir.resolve(file)).getFirst();
    }
}
