package io.strata.gateway.validation;

import io.strata.common.model.Names;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A source name as {@link Names#SOURCE} defines it; null is left to {@code @NotNull}. */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = SourceName.Validator.class)
public @interface SourceName {
    String message() default "must be " + Names.SOURCE_RULE;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<SourceName, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || Names.isSource(value);
        }
    }
}
