package io.strata.platform.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.testing.ThrowawayPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The salted passwords a login keeps, against a real server's SCRAM-SHA-256. */
class ScramKeysTest {
    private static final SourceNetworks ANYWHERE = SourceNetworks.of(List.of("0.0.0.0/0", "::/0"));
    private static ThrowawayPostgres postgres;

    @TempDir
    static Path base;

    @BeforeAll
    static void start() throws Exception {
        postgres = ThrowawayPostgres.start(base);
        postgres.execute(
                "CREATE ROLE kept_user LOGIN REPLICATION PASSWORD 'first secret'",
                "CREATE ROLE other_user LOGIN REPLICATION PASSWORD 'first secret'",
                "CREATE ROLE changed_user LOGIN REPLICATION PASSWORD 'first secret'");
        postgres.hba(
                "host all postgres 127.0.0.1/32 trust",
                "host replication kept_user 127.0.0.1/32 scram-sha-256",
                "host replication other_user 127.0.0.1/32 scram-sha-256",
                "host replication changed_user 127.0.0.1/32 scram-sha-256");
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @Test
    void aSecondLoginUsesTheKeptSaltedPasswordAndAWrongOneIsStillRefused() throws Exception {
        login("kept_user", "first secret");
        long derived = ScramKeys.derived();
        login("kept_user", "first secret");
        assertThat(ScramKeys.derived()).as("the second login derived nothing").isEqualTo(derived);

        // another password is another key: derived, and refused by the server
        assertThatThrownBy(() -> login("kept_user", "not it"))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("password authentication failed for user \"kept_user\"");
        assertThat(ScramKeys.derived()).isEqualTo(derived + 1);
        // and the refused password was not kept: it is derived again
        assertThatThrownBy(() -> login("kept_user", "not it")).isInstanceOf(ReplicationConnection.ServerError.class);
        assertThat(ScramKeys.derived()).isEqualTo(derived + 2);

        // the same password for another user (its own salt) is not taken from kept_user's login
        login("other_user", "first secret");
        assertThat(ScramKeys.derived()).isEqualTo(derived + 3);
    }

    @Test
    void aPasswordSetAgainOnTheServerHasANewSaltAndIsDerivedAgain() throws Exception {
        postgres.execute("ALTER ROLE changed_user PASSWORD 'second secret'");
        login("changed_user", "second secret");
        long derived = ScramKeys.derived();
        assertThatThrownBy(() -> login("changed_user", "first secret"))
                .isInstanceOf(ReplicationConnection.ServerError.class);
        // the same password as before, set again: a new salt, so nothing kept applies
        postgres.execute("ALTER ROLE changed_user PASSWORD 'second secret'");
        login("changed_user", "second secret");
        assertThat(ScramKeys.derived()).isEqualTo(derived + 2);
        login("changed_user", "second secret");
        assertThat(ScramKeys.derived()).isEqualTo(derived + 2);
    }

    private static void login(String user, String password) throws Exception {
        SourceConnection source = new SourceConnection(
                "test",
                "127.0.0.1",
                postgres.port(),
                "postgres",
                user,
                password,
                new SourceTls("disable", null),
                null,
                null);
        try (ReplicationConnection session = ReplicationConnection.open(source, ANYWHERE, "strata-test")) {
            assertThat(session.serverVersion()).startsWith("15");
        }
    }
}
