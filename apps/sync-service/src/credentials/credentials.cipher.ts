import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TenantbusError } from '@tenantbus/tenant-context';

/** A provider-specific secret: header-like string values (cookie, trace id, token…). */
export type Credentials = Record<string, string>;

export interface SealedCredentials {
  readonly keyId: string;
  readonly ciphertext: string;
}

/** Which row a ciphertext belongs to; authenticated, so a sealed value cannot be moved. */
export interface CredentialsOwner {
  readonly tenantId: string;
  readonly accountId: string;
}

export class CredentialsKeyUnknownError extends TenantbusError {
  constructor(keyId: string) {
    super(
      'CREDENTIALS_KEY_UNKNOWN',
      'Credentials are sealed with a key that is not configured',
      500,
      {
        keyId,
      },
    );
  }
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/** Parses `CREDENTIALS_KEYS` (`id:<base64 32 bytes>,…`); the first key is the active one. */
export function parseCredentialsKeys(value: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const item of value.split(',')) {
    const [id, encoded, extra] = item.trim().split(':');
    const key = Buffer.from(encoded ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || extra !== undefined || key.length !== 32) {
      throw new Error('CREDENTIALS_KEYS entries must be id:<base64 of 32 bytes>');
    }
    if (keys.has(id)) throw new Error(`CREDENTIALS_KEYS lists key id "${id}" twice`);
    keys.set(id, key);
  }
  return keys;
}

/**
 * AES-256-GCM for account credentials at rest. The key id is stored next to the ciphertext, so
 * old keys keep decrypting after the active key changes; `isCurrent` tells callers when to re-seal.
 */
export class CredentialsCipher {
  readonly activeKeyId: string;

  constructor(private readonly keys: Map<string, Buffer>) {
    const first = keys.keys().next();
    if (first.done) throw new Error('CREDENTIALS_KEYS needs at least one key');
    this.activeKeyId = first.value;
  }

  seal(credentials: Credentials, owner: CredentialsOwner): SealedCredentials {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key(this.activeKeyId), iv);
    cipher.setAAD(aad(owner));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(credentials), 'utf8'),
      cipher.final(),
    ]);
    const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64'));
    return { keyId: this.activeKeyId, ciphertext: parts.join('.') };
  }

  open(sealed: SealedCredentials, owner: CredentialsOwner): Credentials {
    const [iv, tag, body] = sealed.ciphertext.split('.').map((part) => Buffer.from(part, 'base64'));
    const decipher = createDecipheriv(ALGORITHM, this.key(sealed.keyId), iv);
    decipher.setAAD(aad(owner));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as Credentials;
  }

  isCurrent(keyId: string): boolean {
    return keyId === this.activeKeyId;
  }

  private key(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new CredentialsKeyUnknownError(keyId);
    return key;
  }
}

function aad(owner: CredentialsOwner): Buffer {
  return Buffer.from(`${owner.tenantId}/${owner.accountId}`, 'utf8');
}
