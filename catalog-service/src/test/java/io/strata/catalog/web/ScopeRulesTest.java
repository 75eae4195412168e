package io.strata.catalog.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

class ScopeRulesTest {

    @ParameterizedTest(name = "{0} {1} needs {2}")
    @CsvSource({
        "GET,  /api/v1/sources,                                     catalog:read",
        "GET,  /api/v1/sources/shop,                                catalog:read",
        "HEAD, /api/v1/sources/shop,                                catalog:read",
        "POST, /api/v1/sources,                                     sources:write",
        "PUT,  /api/v1/sources/shop/wal-archiving,                  sources:write",
        "GET,  /internal/v1/sources/shop/connection,                connections:read",
        "GET,  /api/v1/sources/shop/wal-archive,                    catalog:read",
        "POST, /internal/v1/sources/shop/wal/cleanup,               wal:write",
        "GET,  /api/v1/sources/shop/restore-points,                 catalog:read",
        "GET,  /api/v1/sources/shop/restore-points/before-upgrade,  catalog:read",
        "POST, /api/v1/sources/shop/restore-points,                 restore-points:write",
        "GET,  /api/v1/sources/shop/restore-points/rp/recovery-plan, catalog:read",
        "POST, /api/v1/sources/shop/recovery-plans,                 catalog:read",
        "GET,  /api/v1/jobs,                                        catalog:read",
        "GET,  /api/v1/jobs/0b6c1c1e-4f5e-4a57-9a57-0d6f1f2b3c4d,  catalog:read",
        "POST, /internal/v1/jobs,                                   jobs:write",
        "POST, /internal/v1/jobs/0b6c1c1e-4f5e-4a57-9a57-0d6f1f2b3c4d/claim,     jobs:run",
        "POST, /internal/v1/jobs/0b6c1c1e-4f5e-4a57-9a57-0d6f1f2b3c4d/heartbeat, jobs:run",
        "GET,  /api/v1/backups,                                     catalog:read",
        "GET,  /api/v1/backups/b-1,                                 catalog:read",
        "POST, /internal/v1/backups/b-1/deletion,                   backups:write",
        "POST, /internal/v1/backups/b-1/verification,               backups:write",
        "GET,  /api/v1/audit,                                       audit:read",
        "POST, /internal/v1/secrets/rotate,                         secrets:rotate",
        "GET,  /internal/v1/invalid-events,                         invalid-events:read",
        "GET,  /actuator/metrics/jvm.memory.used,                   catalog:read"
    })
    void mapsEachEndpointToItsScope(String method, String path, String scope) {
        assertThat(ScopeRules.requiredScope(method, path)).contains(scope);
    }

    @ParameterizedTest(name = "{0} {1} is denied")
    @CsvSource({
        "GET,    /internal/v1/secrets/rotate",
        "DELETE, /api/v1/sources/shop",
        "POST,   /api/v1/jobs",
        "GET,    /internal/v1/jobs/0b6c1c1e-4f5e-4a57-9a57-0d6f1f2b3c4d/claim",
        "POST,   /internal/v1/jobs/0b6c1c1e-4f5e-4a57-9a57-0d6f1f2b3c4d/release",
        "GET,    /internal/v1/sources/shop/connection/extra",
        "GET,    /internal/v1/sources",
        "GET,    /api/v1/sources/",
        "GET,    /actuator/env",
        "GET,    /",
        "OPTIONS, /api/v1/sources"
    })
    void deniesWhatNoRuleCovers(String method, String path) {
        assertThat(ScopeRules.requiredScope(method, path)).isEmpty();
    }

    @Test
    void everyScopeInTheTableIsAKnownScope() {
        assertThat(ScopeRules.SCOPES)
                .contains(
                        "catalog:read",
                        "jobs:write",
                        "jobs:run",
                        "sources:write",
                        "connections:read",
                        "secrets:rotate");
    }

    /** An endpoint added without a rule would be closed to every client: this names it at build time. */
    @Test
    void everyControllerEndpointHasARule() throws Exception {
        List<String> unmapped = new ArrayList<>();
        List<String> endpoints = endpoints();
        for (String endpoint : endpoints) {
            String[] methodAndPath = endpoint.split(" ", 2);
            String concrete = methodAndPath[1].replaceAll("\\{[^}]+}", "x");
            if (ScopeRules.requiredScope(methodAndPath[0], concrete).isEmpty()) {
                unmapped.add(endpoint);
            }
        }
        assertThat(endpoints)
                .contains("GET /internal/v1/sources/{name}/connection", "POST /internal/v1/secrets/rotate");
        assertThat(unmapped).as("endpoints without a rule in ScopeRules").isEmpty();
    }

    private static List<String> endpoints() throws ClassNotFoundException {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
        List<String> endpoints = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("io.strata.catalog")) {
            Class<?> controller = Class.forName(candidate.getBeanClassName());
            RequestMapping base = AnnotatedElementUtils.findMergedAnnotation(controller, RequestMapping.class);
            String prefix = base == null || base.value().length == 0 ? "" : base.value()[0];
            for (Method method : controller.getDeclaredMethods()) {
                RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
                if (mapping == null) {
                    continue;
                }
                for (var httpMethod : mapping.method()) {
                    for (String path : mapping.value().length == 0 ? new String[] {""} : mapping.value()) {
                        endpoints.add(httpMethod.name() + " " + prefix + path);
                    }
                }
            }
        }
        return endpoints;
    }
}
