import type { Actor } from '../context/tenant-store';
import { hashSecret, secretMatches } from './api-key';

export interface AdminToken {
  /** Shown in logs and the audit trail; never the secret. */
  readonly id: string;
  readonly secret: string;
  /** `admin` for operators, `service` for internal callers (other services, jobs). */
  readonly kind: 'admin' | 'service';
}

/** Parses `ADMIN_TOKENS`-style config: `id:secret[:service],id2:secret2`. */
export function parseAdminTokens(value: string | undefined): AdminToken[] {
  if (!value) return [];
  return value.split(',').map((item) => {
    const [id, secret, kind] = item.trim().split(':');
    if (!id || !secret || secret.length < 16) {
      throw new Error('ADMIN_TOKENS entries must be id:secret with a secret of 16+ characters');
    }
    return { id, secret, kind: kind === 'service' ? 'service' : 'admin' };
  });
}

/** Platform operators and internal services: the only callers whose `x-tenant-id` is trusted. */
export class AdminAuthenticator {
  private readonly tokens: { id: string; hash: string; kind: AdminToken['kind'] }[];

  constructor(tokens: AdminToken[]) {
    this.tokens = tokens.map((token) => ({
      id: token.id,
      kind: token.kind,
      hash: hashSecret(token.secret),
    }));
  }

  authenticate(bearer: string | undefined): Actor | undefined {
    if (!bearer) return undefined;
    // Compare against every token so timing does not reveal which ids exist.
    let match: Actor | undefined;
    for (const token of this.tokens) {
      if (secretMatches(bearer, token.hash))
        match = { kind: token.kind, id: token.id, role: 'admin' };
    }
    return match;
  }
}
