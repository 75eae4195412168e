-- Whether a source's stored objects are encrypted client-side: true requires it (a worker without a key
-- fails the job before writing), false stores in clear, null (every source registered before) encrypts
-- whenever the workers have a key.
ALTER TABLE source ADD COLUMN encrypt boolean;
