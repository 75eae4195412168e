package io.strata.platform.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs a stand-in "tool" (sh) the way PgTools runs pg_dump, and looks at what it was given. */
class ToolCommandTest {
    private static final String PASSWORD = "s3cr:et\\pw";

    @Test
    void theToolReadsThePasswordFromAPrivatePassfileThatIsGoneAfterItExits() throws Exception {
        PgTools tools = new PgTools(new PostgresProperties(Path.of("/bin")), SourceNetworks.of(List.of()), "test");
        SourceConnection source = new SourceConnection("shop", "db.internal", 5432, "shop", "backup", PASSWORD);
        String script = "stat -c %a \"$PGPASSFILE\"; cat \"$PGPASSFILE\"; echo \"$PGPASSFILE\"; env";

        Process process =
                tools.command(source, "shop", "sh", List.of("-c", script)).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        List<String> lines = output.lines().toList();
        Path passfile = Path.of(lines.get(2));

        assertThat(lines.get(0)).isEqualTo("600");
        assertThat(lines.get(1)).isEqualTo("*:*:*:*:s3cr\\:et\\\\pw"); // libpq's escaping of ':' and '\'
        assertThat(lines.subList(3, lines.size())).noneMatch(line -> line.contains("s3cr"));
        assertThat(output).contains("PGHOST=db.internal", "PGDATABASE=shop", "LC_ALL=C", "PGCONNECT_TIMEOUT=10");
        assertThat(output).doesNotContain("PGPASSWORD");
        process.onExit().join();
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(passfile));
    }
}
