package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ports for the stack's components come from below the kernel's ephemeral range, where no client
 * connection's local end can take one before the component binds it, and never twice in one JVM.
 */
class PortsTest {

    @Test
    void freePortsAreBelowTheEphemeralRangeAndDistinct() {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ports.add(Ports.free());
        }
        assertThat(ports)
                .doesNotHaveDuplicates()
                .allSatisfy(port -> assertThat(port)
                        .isBetween(1024, Ports.ephemeralLow() - 1)
                        .satisfies(p -> assertThat(Ports.isFree(p)).isTrue()));
    }
}
