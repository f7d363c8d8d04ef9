import {
  ACTOR_HEADER,
  CORRELATION_ID_HEADER,
  SYSTEM_SCOPE_HEADER,
  TENANT_ID_HEADER,
  TenantIdSchema,
  type SubjectScope,
  type TenantId,
} from '@tenantbus/contracts';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import type { TenantContextReader } from '../context/tenant-context';
import type { Actor } from '../context/tenant-store';
import { TenantContextMissingError } from '../errors/tenantbus.error';
import { injectTraceContext } from './trace-carrier';
import { acceptCorrelationId } from '../observability/correlation-id';

/**
 * Fresh headers for one outgoing message, stamped from the current scope. A tenant-scoped subject
 * sent with no tenant throws; system scope (`asSystem`) is marked as such, never as a tenant.
 */
export function outboundHeaders(
  context: TenantContextReader,
  subject: string,
  scope: SubjectScope = 'tenant',
): MsgHdrs {
  const headers = natsHeaders();
  const tenantId = context.maybeTenantId;
  const system = context.system;
  if (tenantId) {
    headers.set(TENANT_ID_HEADER, tenantId);
  } else if (system) {
    headers.set(SYSTEM_SCOPE_HEADER, system.reason.slice(0, 200));
  } else if (scope === 'tenant') {
    throw new TenantContextMissingError(`publishing to ${subject}`);
  }
  const correlationId = context.correlationId;
  if (correlationId) headers.set(CORRELATION_ID_HEADER, correlationId);
  const actor = context.actor;
  if (actor) headers.set(ACTOR_HEADER, `${actor.kind}:${actor.id}`);
  injectTraceContext(headers, subject);
  return headers;
}

export type InboundRejection =
  'TENANT_HEADER_MISSING' | 'TENANT_HEADER_MALFORMED' | 'TENANT_MISMATCH' | 'TENANT_UNKNOWN';

export type InboundScope =
  | { ok: true; tenantId: TenantId; correlationId?: string; actor?: Actor }
  | { ok: false; reason: InboundRejection; detail: string };

const ACTOR_KINDS = new Set<Actor['kind']>(['api_key', 'admin', 'service', 'system', 'anonymous']);

function parseActor(value: string | undefined): Actor | undefined {
  const match = value ? /^([a-z_]+):(.{1,128})$/.exec(value) : null;
  if (!match || !ACTOR_KINDS.has(match[1] as Actor['kind'])) return undefined;
  return { kind: match[1] as Actor['kind'], id: match[2] };
}

function header(headers: MsgHdrs | undefined, key: string): string | undefined {
  // nats.js returns '' for an absent key: treat empty as missing.
  const value = headers?.get(key);
  return value ? value : undefined;
}

/** Reads the tenant scope of an incoming message; never guesses a tenant. */
export function readInboundScope(headers: MsgHdrs | undefined): InboundScope {
  const raw = header(headers, TENANT_ID_HEADER);
  if (raw === undefined) {
    return { ok: false, reason: 'TENANT_HEADER_MISSING', detail: `no ${TENANT_ID_HEADER} header` };
  }
  const parsed = TenantIdSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      reason: 'TENANT_HEADER_MALFORMED',
      detail: `${TENANT_ID_HEADER} is not a UUID`,
    };
  }
  const correlation = header(headers, CORRELATION_ID_HEADER);
  return {
    ok: true,
    tenantId: parsed.data,
    correlationId: acceptCorrelationId(correlation),
    actor: parseActor(header(headers, ACTOR_HEADER)),
  };
}

export function correlationIdOf(headers: MsgHdrs | undefined): string | undefined {
  return header(headers, CORRELATION_ID_HEADER);
}

/** A valid tenant header on a system-level message: the tenant it concerns (observability only). */
export function concerningTenantOf(headers: MsgHdrs | undefined): string | undefined {
  const parsed = TenantIdSchema.safeParse(header(headers, TENANT_ID_HEADER));
  return parsed.success ? parsed.data : undefined;
}
