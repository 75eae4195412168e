package io.strata.gateway.openapi;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document at {@code /v3/api-docs} (Swagger UI at {@code /swagger-ui.html}). */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    private static final String BEARER = "bearer";

    @Bean
    OpenAPI strataOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("Strata API")
                        .version("v1")
                        .description("PostgreSQL backup and restore. Register sources, start backups and restores"
                                + " (each answers 202 with a job to follow at /api/v1/jobs/{jobId}), and read the"
                                + " catalog. Errors are RFC 9457 problem+json. Tokens carry a role: viewer (reads),"
                                + " operator (+ backups), admin (+ sources and restores)."))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description(
                                                "A token configured on the gateway (STRATA_ADMIN_TOKEN, STRATA_OPERATOR_TOKEN,"
                                                        + " STRATA_VIEWER_TOKEN)")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }
}
