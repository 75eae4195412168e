package io.strata.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import org.junit.jupiter.api.Test;

class LogicalRestoreTest {

    @Test
    void replaceHasNoNewDatabase() {
        assertThat(LogicalRestore.newDatabase(RestoreInto.replaceSource())).isNull();
    }

    @Test
    void aPlainNameIsTheNewDatabase() {
        assertThat(LogicalRestore.newDatabase(RestoreInto.newDatabase("shop_copy")))
                .isEqualTo("shop_copy");
    }

    @Test
    void refusesNamesThatAreNotPlainIdentifiers() {
        for (String bad : new String[] {"Shop", "shop\"; drop database x; --", "", "dbname=x host=evil"}) {
            assertThatThrownBy(() -> LogicalRestore.newDatabase(RestoreInto.newDatabase(bad)))
                    .isInstanceOfSatisfying(
                            JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.INVALID_TARGET));
        }
        assertThatThrownBy(() -> LogicalRestore.newDatabase(null)).isInstanceOf(JobFailureException.class);
    }
}
