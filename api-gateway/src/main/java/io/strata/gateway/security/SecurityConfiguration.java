package io.strata.gateway.security;

import jakarta.servlet.DispatcherType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stateless bearer-token security: no sessions, no CSRF (no cookies to forge with), no login forms.
 * Health, metrics scraping and the API docs are public; everything else needs a token whose role
 * {@link ApiAccessRules} accepts.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfiguration {
    static final String[] PUBLIC_PATHS = {
        "/actuator/health",
        "/actuator/health/**",
        "/actuator/prometheus",
        "/v3/api-docs",
        "/v3/api-docs/**",
        "/v3/api-docs.yaml",
        "/swagger-ui.html",
        "/swagger-ui/**",
        "/error"
    };

    @Bean
    TokenAuthenticator tokenAuthenticator(SecurityProperties properties) {
        return new TokenAuthenticator(properties);
    }

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, TokenAuthenticator authenticator, JsonMapper json) {
        ProblemSecurityHandler problems = new ProblemSecurityHandler(json);
        // built here rather than as a bean, so Boot does not also register it as a plain servlet filter
        BearerTokenFilter tokens = new BearerTokenFilter(authenticator, problems);
        return http.csrf(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .addFilterBefore(tokens, AnonymousAuthenticationFilter.class)
                // an async dispatch (a job event stream ending) belongs to a request already authorized
                .authorizeHttpRequests(requests -> requests.dispatcherTypeMatchers(DispatcherType.ASYNC)
                        .permitAll()
                        .requestMatchers(PUBLIC_PATHS)
                        .permitAll()
                        .requestMatchers("/api/v1/**")
                        .access(new ApiAccessRules())
                        .anyRequest()
                        .authenticated())
                .build();
    }
}
