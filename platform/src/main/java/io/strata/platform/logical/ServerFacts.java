package io.strata.platform.logical;

/** What a backup learns about the source database before dumping it. */
public record ServerFacts(long databaseSizeBytes, String serverVersion) {}
