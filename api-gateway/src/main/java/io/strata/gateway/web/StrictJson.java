package io.strata.gateway.web;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Request bodies are read literally. {@code "confirm": "TRUE"}, {@code "true"} or {@code 1} is not
 * {@code true}: a boolean that authorises destruction must be the JSON literal. {@code 5432.9} is not a
 * port and a field the request does not have is an error, not ignored. No text may hold NUL or another
 * control character other than tab and line breaks (those only in free text, which the fields' own rules
 * decide): PostgreSQL cannot store NUL and a line break must never reach a configuration file.
 */
@Configuration(proxyBeanMethods = false)
public class StrictJson {

    @Bean
    JsonMapperBuilderCustomizer strictRequestBodies() {
        return builder -> builder.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .withCoercionConfig(
                        LogicalType.Boolean,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Integer,
                        config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
                .addModule(new SimpleModule("strata-plain-text").addDeserializer(String.class, new PlainText()));
    }

    /** Strings without NUL or control characters other than tab, CR and LF. */
    static final class PlainText extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String value = super.deserialize(parser, context);
            if (value != null && TextRules.firstForbidden(value, true) >= 0) {
                throw InvalidFormatException.from(
                        parser,
                        "holds a control character (" + TextRules.describe(value, true) + "); send plain text",
                        value,
                        String.class);
            }
            return value;
        }
    }
}
