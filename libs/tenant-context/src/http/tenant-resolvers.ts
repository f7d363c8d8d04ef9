import { TENANT_ID_HEADER, TenantIdSchema, type TenantDirectoryEntry } from '@tenantbus/contracts';
import type { Request } from 'express';
import type { Actor } from '../context/tenant-store';
import type { TenantDirectory } from '../directory/tenant-directory';
import {
  InvalidCredentialsError,
  InvalidTenantIdError,
  TenantHeaderForbiddenError,
  TenantNotFoundError,
} from '../errors/tenantbus.error';
import { looksLikeApiKey, parseApiKey, secretMatches } from './api-key';
import { presentedCredential, requestHost } from './request-credentials';

export interface Resolution {
  readonly tenant: TenantDirectoryEntry;
  readonly actor?: Actor;
  readonly source: ResolverName;
}

/** What the chain knows about the caller before resolving the tenant. */
export interface CallerInfo {
  /** Set when the bearer is an admin/internal token: only then is `x-tenant-id` trusted. */
  readonly admin?: Actor;
}

export type ResolverName = 'apiKey' | 'host' | 'header';

/**
 * A resolver returns undefined when the request carries nothing it understands, a resolution when
 * it does, and throws when what it found is wrong (bad key, unknown subdomain, untrusted header).
 */
export interface TenantResolver {
  readonly name: ResolverName;
  resolve(request: Request, caller: CallerInfo): Promise<Resolution | undefined>;
}

export class ApiKeyResolver implements TenantResolver {
  readonly name = 'apiKey' as const;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async resolve(request: Request): Promise<Resolution | undefined> {
    const credential = presentedCredential(request);
    if (!credential || !looksLikeApiKey(credential)) return undefined;
    const parsed = parseApiKey(credential);
    if (!parsed) throw new InvalidCredentialsError('Malformed API key');
    const tenant = await this.directory.findByApiKeyPrefix(parsed.prefix);
    const key = tenant?.apiKeys.find((candidate) => candidate.prefix === parsed.prefix);
    if (!tenant || !key || !secretMatches(parsed.secret, key.hash))
      throw new InvalidCredentialsError();
    const now = this.now().getTime();
    if (key.revokedAt || (key.expiresAt && Date.parse(key.expiresAt) <= now)) {
      throw new InvalidCredentialsError('API key revoked or expired');
    }
    return { tenant, source: this.name, actor: { kind: 'api_key', id: key.id, role: key.role } };
  }
}

/** `<slug>.<baseDomain>` and verified custom domains. */
export class HostResolver implements TenantResolver {
  readonly name = 'host' as const;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly baseDomain?: string,
  ) {}

  async resolve(request: Request): Promise<Resolution | undefined> {
    const host = requestHost(request);
    if (!host) return undefined;
    const base = this.baseDomain?.toLowerCase();
    if (base && host.endsWith(`.${base}`)) {
      const slug = host.slice(0, -(base.length + 1));
      if (slug.includes('.')) return undefined;
      const tenant = await this.directory.findBySlug(slug);
      if (!tenant) throw new TenantNotFoundError({ host });
      return { tenant, source: this.name };
    }
    if (host === base || host === 'localhost' || /^[\d.]+$/.test(host)) return undefined;
    const tenant = await this.directory.findByHost(host);
    return tenant ? { tenant, source: this.name } : undefined;
  }
}

/** `x-tenant-id` from admin/internal callers; anyone else sending it is refused outright. */
export class TrustedHeaderResolver implements TenantResolver {
  readonly name = 'header' as const;

  constructor(private readonly directory: TenantDirectory) {}

  async resolve(request: Request, caller: CallerInfo): Promise<Resolution | undefined> {
    const value = request.headers[TENANT_ID_HEADER];
    if (value === undefined || value === '') return undefined;
    if (!caller.admin) throw new TenantHeaderForbiddenError();
    const parsed = TenantIdSchema.safeParse(value);
    if (!parsed.success) throw new InvalidTenantIdError(value);
    const tenant = await this.directory.findById(parsed.data);
    if (!tenant) throw new TenantNotFoundError({ tenantId: parsed.data });
    return { tenant, source: this.name, actor: caller.admin };
  }
}
