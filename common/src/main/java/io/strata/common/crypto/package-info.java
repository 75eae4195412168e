/**
 * Client-side encryption of stored objects (base backups, dumps, WAL segments, manifests): the
 * <b>STRATA-ENC v1</b> format, AES-256-GCM over fixed-size chunks, written and read as streams so an
 * object of many GB never sits in memory. Entry point: {@link io.strata.common.crypto.ObjectEncryption}.
 *
 * <h2>Byte layout (all integers big-endian)</h2>
 *
 * <pre>
 * header  (30 + L bytes)
 *   0      8  magic "STRATAE1" (ASCII)
 *   8      1  version = 1
 *   9      1  L = key id length, 1..32
 *   10     L  key id, UTF-8, [A-Za-z0-9._-]: in clear, it names the keyring entry that reads the object
 *   10+L   4  C = chunk size: plaintext bytes per non-final chunk, 1..16 MiB (default 1 MiB)
 *   14+L  16  salt, random per object
 * chunk i = 0, 1, 2, ...  (33 + n bytes)
 *   1   flag: 0 = more chunks follow, 1 = final chunk
 *   4   n = plaintext length: exactly C for a non-final chunk, 0..C for the final one
 *   12  nonce, random per chunk (SecureRandom)
 *   n+16  AES-256-GCM ciphertext followed by its 128-bit tag
 * nothing may follow the final chunk.
 *
 * object key  = HKDF-SHA256(IKM = the keyring key, salt = header salt, info = "STRATA-ENC v1 object key"), 32 bytes
 * AAD chunk i = header bytes || i (8 bytes) || flag (1 byte)
 * total size  = (30 + L) + 33 * max(1, ceil(plain / C)) + plain
 * </pre>
 *
 * <h2>Why it is built this way</h2>
 *
 * <ul>
 *   <li><b>Chunks</b> bound memory to one chunk on each side and let the reader verify a chunk's tag
 *       before it releases any of its bytes, so nobody ever consumes unauthenticated plaintext.
 *   <li><b>The header is in every chunk's AAD</b>: changing the key id, the chunk size or the salt
 *       fails authentication (at the latest) at chunk 0.
 *   <li><b>The chunk index in the AAD</b> makes reordered, dropped or duplicated chunks fail.
 *   <li><b>The final flag</b> (in clear for framing, and in the AAD so it cannot be flipped) makes a
 *       copy cut at a chunk boundary detectable: a valid object always ends with a flagged chunk, even
 *       an empty one for an empty object. The writer seals a full chunk only once the next byte
 *       arrives, so only the empty object has an empty final chunk and the size formula is exact.
 *   <li><b>The plaintext length in clear</b> tells the reader where a chunk ends without reading
 *       ahead, so truncation and bytes appended after the final chunk are reported as such rather than
 *       as a generic authentication failure. It needs no AAD of its own: GCM's tag covers the
 *       ciphertext length.
 *   <li><b>A per-object key</b> derived from the keyring key and a random 128-bit salt: with random
 *       96-bit nonces, NIST SP 800-38D caps one key at 2^32 encryptions, which a long-lived key
 *       shared by every object (1 MiB per chunk, many TB over years) could approach. Per-object keys
 *       make a nonce collision between two objects harmless and keep each key's count to one object's
 *       chunks. HKDF (RFC 5869) rather than a bare HMAC so the derivation is a standard one.
 *   <li><b>The key id in clear</b> lets keys rotate: new objects use the active key, old ones name
 *       the key they need, and a reader with the wrong keyring says which key is missing.
 * </ul>
 */
package io.strata.common.crypto;
