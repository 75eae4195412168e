-- Source passwords encrypted at rest, and per-source TLS and timeouts.
--
-- password_secret holds 'v1:<keyId>:<base64(nonce || ciphertext || tag)>' (AES-256-GCM, the source name
-- as additional data) or, for passwords registered before this version (and in allow-plaintext mode),
-- 'plain:<password>'. The catalog encrypts every 'plain:' row at its next start-up when a key is
-- configured; POST /internal/v1/secrets/rotate also does. Old row versions may keep the plaintext on disk
-- until PostgreSQL vacuums them (VACUUM FULL source rewrites the table at once).
ALTER TABLE source
    ADD COLUMN password_secret         text CHECK (password_secret ~ '^(v1:[A-Za-z0-9._-]{1,32}:|plain:)'),
    ADD COLUMN ssl_mode                text CHECK (ssl_mode IN ('disable', 'prefer', 'require', 'verify-ca', 'verify-full')),
    ADD COLUMN ca_certificate          text CHECK (octet_length(ca_certificate) <= 65536),
    ADD COLUMN connect_timeout_seconds integer CHECK (connect_timeout_seconds BETWEEN 1 AND 120),
    ADD COLUMN io_timeout_seconds      integer CHECK (io_timeout_seconds BETWEEN 5 AND 86400);

UPDATE source SET password_secret = 'plain:' || password WHERE password IS NOT NULL;

ALTER TABLE source DROP COLUMN password;
