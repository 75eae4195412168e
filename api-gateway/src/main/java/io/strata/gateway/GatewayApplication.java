package io.strata.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;

/**
 * The public REST API of Strata: authenticates callers, validates their requests, records jobs in the
 * catalog and hands the work to the workers over Kafka. It keeps no state of its own.
 */
// The in-memory user Boot would add is never used: callers authenticate with configured bearer tokens.
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
public class GatewayApplication {
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
