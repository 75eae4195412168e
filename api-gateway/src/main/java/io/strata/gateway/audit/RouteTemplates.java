package io.strata.gateway.audit;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.http.server.PathContainer;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The route patterns of the gateway's controllers, to name the route of a request even when Spring MVC never
 * saw it: refused by security (401, 403) before the dispatcher, it carries no matched pattern of its own.
 */
final class RouteTemplates {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\*?([^}:]+)");
    private static final Comparator<Route> MOST_SPECIFIC_FIRST =
            Comparator.comparing(Route::pattern, PathPattern.SPECIFICITY_COMPARATOR);
    private final Supplier<List<Route>> routes;

    private RouteTemplates(Supplier<List<Route>> routes) {
        this.routes = SingletonSupplier.of(routes);
    }

    /** Read from Spring MVC's mappings on first use, once every controller is registered. */
    static RouteTemplates fromMappings(Supplier<? extends Set<RequestMappingInfo>> mappings) {
        return new RouteTemplates(() -> mappings.get().stream()
                .flatMap(RouteTemplates::routesOf)
                .sorted(MOST_SPECIFIC_FIRST)
                .toList());
    }

    static RouteTemplates of(List<Route> routes) {
        List<Route> sorted = routes.stream().sorted(MOST_SPECIFIC_FIRST).toList();
        return new RouteTemplates(() -> sorted);
    }

    /** The most specific route for this method and path (the path as sent, without the context path). */
    Optional<RouteMatch> match(String method, String path) {
        PathContainer container = PathContainer.parsePath(path);
        for (Route route : routes.get()) {
            if (!route.accepts(method)) {
                continue;
            }
            PathPattern.PathMatchInfo info = route.pattern().matchAndExtract(container);
            if (info != null) {
                return Optional.of(new RouteMatch(route.pattern().getPatternString(), info.getUriVariables()));
            }
        }
        return Optional.empty();
    }

    private static java.util.stream.Stream<Route> routesOf(RequestMappingInfo info) {
        Set<String> methods = info.getMethodsCondition().getMethods().stream()
                .map(RequestMethod::name)
                .collect(Collectors.toUnmodifiableSet());
        return info.getPatternValues().stream()
                .map(pattern -> new Route(methods, PathPatternParser.defaultInstance.parse(pattern)));
    }

    /** A controller's route; no methods means any method. */
    record Route(Set<String> methods, PathPattern pattern) {
        static Route of(String method, String pattern) {
            return new Route(Set.of(method), PathPatternParser.defaultInstance.parse(pattern));
        }

        boolean accepts(String method) {
            return methods.isEmpty() || methods.contains(method);
        }
    }

    /** The pattern a request matched, e.g. {@code /api/v1/backups/{backupId}}, and its decoded variables. */
    record RouteMatch(String pattern, Map<String, String> variables) {
        RouteMatch {
            variables = Map.copyOf(variables);
        }

        /** The first variable of the pattern: the aggregate the call is about (source, backup or job). */
        Optional<String> firstVariable() {
            Matcher matcher = VARIABLE.matcher(pattern);
            return matcher.find() ? Optional.ofNullable(variables.get(matcher.group(1))) : Optional.empty();
        }
    }
}
