import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tenant API keys look like `tb_<prefix>_<secret>`: the prefix finds the key without a secret
 * lookup, only the SHA-256 of the high-entropy secret is stored (so a slow hash buys nothing).
 */
const API_KEY_PATTERN = /^tb_([a-z0-9]{8,16})_([A-Za-z0-9_-]{20,128})$/;

export interface ParsedApiKey {
  readonly prefix: string;
  readonly secret: string;
}

export function parseApiKey(value: string): ParsedApiKey | undefined {
  const match = API_KEY_PATTERN.exec(value);
  return match ? { prefix: match[1], secret: match[2] } : undefined;
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('tb_');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, expectedHashHex: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHashHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Mints a new key; the caller stores `prefix` and `hash` and shows `key` once. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  return { key: `tb_${prefix}_${secret}`, prefix, hash: hashSecret(secret) };
}
