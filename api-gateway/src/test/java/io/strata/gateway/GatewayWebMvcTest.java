package io.strata.gateway;

import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.security.SecurityConfiguration;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.gateway.sources.SourceSql;
import io.strata.gateway.web.StrictJson;
import io.strata.platform.postgres.SourceNetworks;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Clock;
import java.time.ZoneOffset;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;

/**
 * A web slice of the gateway with its real security (the three test tokens of {@link GatewaySliceTest}),
 * validation and problem rendering, for the given controllers.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@WebMvcTest(
        properties = {
            "strata.security.tokens[0].name=admin",
            "strata.security.tokens[0].role=admin",
            "strata.security.tokens[0].token=" + GatewaySliceTest.ADMIN,
            "strata.security.tokens[1].name=operator",
            "strata.security.tokens[1].role=operator",
            "strata.security.tokens[1].token=" + GatewaySliceTest.OPERATOR,
            "strata.security.tokens[2].name=viewer",
            "strata.security.tokens[2].role=viewer",
            "strata.security.tokens[2].token=" + GatewaySliceTest.VIEWER,
            "strata.security.tokens[3].name=unset",
            "strata.security.tokens[3].role=viewer",
            "strata.security.tokens[3].token="
        })
@Import({
    SecurityConfiguration.class,
    RegisteredSources.class,
    SourceSql.class,
    JobCommands.class,
    StrictJson.class,
    GatewayWebMvcTest.FixedClock.class
})
public @interface GatewayWebMvcTest {
    @AliasFor(annotation = WebMvcTest.class, attribute = "controllers")
    Class<?>[] value() default {};

    @TestConfiguration
    class FixedClock {
        @Bean
        Clock clock() {
            return Clock.fixed(GatewaySliceTest.NOW, ZoneOffset.UTC);
        }

        /** Sources may be anywhere: no strata.sources.allowed-networks. */
        @Bean
        SourceNetworks sourceNetworks() {
            return SourceNetworks.of(java.util.List.of());
        }
    }
}
