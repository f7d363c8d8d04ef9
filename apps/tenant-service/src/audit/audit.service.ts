import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@tenantbus/tenant-context';
import { AuditEvent } from './audit-event.entity';

export interface AuditEntry {
  readonly tenantId: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly before?: object | null;
  readonly after?: object | null;
}

/** Writes the audit row in the caller's transaction, so a change and its record commit together. */
@Injectable()
export class AuditService {
  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
  ) {}

  record(entry: AuditEntry): void {
    const actor = this.context.actor;
    this.em.create(AuditEvent, {
      ...entry,
      before: entry.before ?? null,
      after: entry.after ?? null,
      actor: actor
        ? `${actor.kind}:${actor.id}`
        : `system:${this.context.system?.reason ?? 'unknown'}`,
      correlationId: this.context.correlationId ?? null,
    });
  }
}
