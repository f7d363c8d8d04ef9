import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { InvalidRequestError } from '../common/registry.errors';
import { TenantsService } from '../tenants/tenants.service';
import { AuditEvent } from './audit-event.entity';
import type { AuditEntryView, AuditPage, ListAuditQuery } from './dto/audit.dto';

/** Reads a tenant's audit trail, newest first, with an opaque cursor over the row id. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly em: EntityManager,
    private readonly tenants: TenantsService,
  ) {}

  async list(tenantId: string, query: ListAuditQuery): Promise<AuditPage> {
    const tenant = await this.tenants.load(tenantId);
    const limit = query.limit ?? 20;
    const before = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.em.find(
      AuditEvent,
      { tenantId: tenant.id, ...(before ? { id: { $lt: before } } : {}) },
      { orderBy: { id: 'desc' }, limit: limit + 1 },
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toAuditEntryView),
      nextCursor: rows.length > limit && last ? encodeIdCursor(last.id) : null,
    };
  }
}

function toAuditEntryView(event: AuditEvent): AuditEntryView {
  return {
    id: String(event.id),
    actor: event.actor,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    before: event.before ?? null,
    after: event.after ?? null,
    correlationId: event.correlationId ?? null,
    createdAt: event.createdAt.toISOString(),
  };
}

function encodeIdCursor(id: string): string {
  return Buffer.from(String(id)).toString('base64url');
}

function decodeIdCursor(value: string): string {
  const id = Buffer.from(value, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,18}$/.test(id))
    throw new InvalidRequestError('CURSOR_INVALID', 'The cursor is not valid');
  return id;
}
