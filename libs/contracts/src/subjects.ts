import { z } from 'zod';
import { DirectoryLookupSchema } from './tenant-directory';
import { TenantLifecycleEventSchema } from './lifecycle';
import {
  QuotaCheckRequestSchema,
  TenantLimitsRequestSchema,
  UsageEventSchema,
  UsageThresholdEventSchema,
} from './usage';

/**
 * `tenant` subjects may only be sent from, and are only handled in, a tenant context.
 * `system` subjects are about the platform itself (lifecycle, directory) and are handled by
 * handlers that declare themselves system-level.
 */
export type SubjectScope = 'tenant' | 'system';

export interface SubjectDefinition<TSchema extends z.ZodType = z.ZodType> {
  /** Relative name; the environment's prefix is put in front (see `BusNaming`). */
  readonly name: string;
  readonly scope: SubjectScope;
  readonly schema: TSchema;
}

export function defineSubject<TSchema extends z.ZodType>(
  definition: SubjectDefinition<TSchema>,
): SubjectDefinition<TSchema> {
  return definition;
}

export const ResolveTenantRequestSchema = z.object({
  externalRef: z.string().min(1).max(200),
  name: z.string().min(1).max(200).optional(),
});

export const Subjects = {
  tenantLifecycle: (type: string) =>
    defineSubject({ name: type, scope: 'system', schema: TenantLifecycleEventSchema }),
  directoryLookup: defineSubject({
    name: 'directory.lookup',
    scope: 'system',
    schema: DirectoryLookupSchema,
  }),
  /** Get-or-create a tenant by external reference (automatic provisioning by services). */
  tenantResolve: defineSubject({
    name: 'registry.resolve',
    scope: 'system',
    schema: ResolveTenantRequestSchema,
  }),
  /** A usage event of one type, sent in the tenant's context; durable on the usage stream. */
  usageEvent: (type: string) =>
    defineSubject({ name: `usage.events.${type}`, scope: 'tenant', schema: UsageEventSchema }),
  /** Request/reply: the caller's tenant's quota status for a meter (`QuotaStatusSchema`). */
  usageCheck: defineSubject({
    name: 'usage.check',
    scope: 'tenant',
    schema: QuotaCheckRequestSchema,
  }),
  /** Request/reply: the caller's tenant's plan limits (`TenantLimitsSchema`). */
  usageLimits: defineSubject({
    name: 'usage.limits',
    scope: 'tenant',
    schema: TenantLimitsRequestSchema,
  }),
  usageThreshold: defineSubject({
    name: 'usage.alerts.threshold',
    scope: 'tenant',
    schema: UsageThresholdEventSchema,
  }),
} as const;

/** Wildcard every lifecycle event matches: `<prefix>.tenant.*`. */
export const TENANT_LIFECYCLE_WILDCARD = 'tenant.*';
/** Dead letters keep their original subject after this token: `<prefix>.dlq.<original>`. */
export const DEAD_LETTER_TOKEN = 'dlq';

/**
 * Every subject and stream name is prefixed per environment so that test runs, staging and
 * production can share a NATS cluster without seeing each other's traffic.
 */
export class BusNaming {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
      throw new Error(`invalid bus prefix "${prefix}": use letters, digits, "_" or "-"`);
    }
  }

  subject(relative: string): string {
    return `${this.prefix}.${relative}`;
  }

  deadLetter(originalSubject: string): string {
    return `${this.prefix}.${DEAD_LETTER_TOKEN}.${originalSubject}`;
  }

  stream(name: string): string {
    return `${this.prefix}_${name}`.toUpperCase().replace(/-/g, '_');
  }
}
