package io.strata.gateway.web;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One line of plain text of at most {@link #maxBytes()} UTF-8 bytes (PostgreSQL counts names in bytes):
 * no control character at all, not even a line break. Null is left to {@code @NotNull}.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = PlainLine.Validator.class)
public @interface PlainLine {
    int maxBytes();

    String message() default "must be one line of at most {maxBytes} bytes, without control characters";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<PlainLine, String> {
        private int maxBytes;

        @Override
        public void initialize(PlainLine annotation) {
            this.maxBytes = annotation.maxBytes();
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null
                    || (TextRules.firstForbidden(value, false) < 0 && TextRules.utf8Bytes(value) <= maxBytes);
        }
    }
}
