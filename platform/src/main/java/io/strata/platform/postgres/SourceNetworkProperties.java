package io.strata.platform.postgres;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code strata.sources.allowed-networks}: CIDR blocks sources may be in; empty allows any. */
@ConfigurationProperties("strata.sources")
public record SourceNetworkProperties(List<String> allowedNetworks) {}
