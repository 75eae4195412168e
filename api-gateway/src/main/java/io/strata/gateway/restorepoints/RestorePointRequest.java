package io.strata.gateway.restorepoints;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/v1/sources/{name}/restore-points}. The name ends up in {@code recovery_target_name}
 * of a restore's configuration, so it is kept to a safe shape and PostgreSQL's 63-byte limit.
 */
record RestorePointRequest(
        @NotBlank(message = "is required")
        @Size(max = 63, message = "must be at most 63 characters (PostgreSQL's limit for restore point names)")
        @Pattern(
                regexp = "[A-Za-z0-9][A-Za-z0-9._-]*",
                message = "may hold letters, digits, '.', '_' and '-', starting with a letter or digit")
        String name,

        @Size(max = 1000, message = "must be at most 1000 characters")
        String description) {}
