package io.strata.gateway.security;

import java.util.List;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** What a token may do. Each role includes the ones below it: admin &gt; operator &gt; viewer. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    /** The Spring authority name checked by {@code hasRole(...)}. */
    public String authority() {
        return "ROLE_" + name();
    }

    /** This role's authority and those of every weaker role, so rules name only the minimum role. */
    public List<GrantedAuthority> grantedAuthorities() {
        return java.util.Arrays.stream(values())
                .filter(role -> role.ordinal() <= ordinal())
                .<GrantedAuthority>map(role -> new SimpleGrantedAuthority(role.authority()))
                .toList();
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
