package io.strata.gateway.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.gateway.security.TokenAuthenticator;
import io.strata.platform.messaging.MessagePublisher;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The audit trail of the public API: {@link AuditTrailFilter} registered around Spring Security's filter
 * chain (so 401 and 403 answers are recorded too), sending through {@link AuditPublisher}.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {
    /**
     * Far outside Spring Security's chain (-100): the filter reads no body and wraps nothing, so it may see
     * every answer given by the filters inside it. Only filters at {@code HIGHEST_PRECEDENCE} run outside it.
     */
    static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 5;
    /** Records waiting for Kafka; beyond this they are dropped, logged and counted rather than held in memory. */
    static final int QUEUE_CAPACITY = 1_000;

    @Bean
    AuditPublisher auditPublisher(MessagePublisher messages, MeterRegistry registry) {
        return AuditPublisher.bounded(messages, registry, QUEUE_CAPACITY);
    }

    @Bean
    FilterRegistrationBean<AuditTrailFilter> auditTrailFilter(
            TokenAuthenticator tokens,
            AuditPublisher publisher,
            Clock clock,
            // looked up at the first request, so the filter does not pull Spring MVC's set-up forward
            @Qualifier("requestMappingHandlerMapping") ObjectProvider<RequestMappingHandlerMapping> mappings) {
        RouteTemplates routes = RouteTemplates.fromMappings(
                () -> mappings.getObject().getHandlerMethods().keySet());
        AuditTrailFilter filter = new AuditTrailFilter(tokens, routes, publisher::publish, clock);
        FilterRegistrationBean<AuditTrailFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("auditTrailFilter");
        registration.addUrlPatterns("/api/v1", "/api/v1/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(ORDER);
        return registration;
    }
}
