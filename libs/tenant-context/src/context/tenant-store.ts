import type { TenantId } from '@tenantbus/contracts';
import type { ClsStore } from 'nestjs-cls';

/** Who is acting: a tenant API key, a platform admin token, an internal service, or the system. */
export interface Actor {
  readonly kind: 'api_key' | 'admin' | 'service' | 'system' | 'anonymous';
  readonly id: string;
  readonly role?: string;
}

export interface SystemScope {
  readonly reason: string;
  /**
   * The one tenant this system work is about (its lifecycle event, an admin call on it), so its
   * spans and log lines can be found by tenant. Observability only: it grants and scopes nothing.
   */
  readonly concerning?: TenantId;
}

/** Everything the platform keeps per unit of work (request, message, job). */
export interface TenantStore extends ClsStore {
  tenantId?: TenantId;
  correlationId?: string;
  actor?: Actor;
  /** Present only inside `asSystem(reason, fn)`: the single audited way around tenant scoping. */
  system?: SystemScope;
}
