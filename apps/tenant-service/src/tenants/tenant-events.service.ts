import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import {
  Subjects,
  type TenantLifecycleEvent,
  type TenantLifecycleType,
  type TenantSnapshot,
} from '@tenantbus/contracts';
import { OutboxService } from '@tenantbus/tenant-context';
import { randomUUID } from 'node:crypto';
import { ApiKey } from '../api-keys/api-key.entity';
import { Domain } from '../domains/domain.entity';
import { Plan } from '../plans/plan.entity';
import type { Tenant } from './tenant.entity';
import { tenantSnapshot } from './tenant-snapshot';

export const EVENT_SOURCE = 'tenantbus/tenant-service';

/**
 * Records a lifecycle event for a tenant in the current transaction. `emit` flushes first, so the
 * snapshot carries the version the database just assigned.
 */
@Injectable()
export class TenantEventsService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
  ) {}

  async snapshot(tenant: Tenant): Promise<TenantSnapshot> {
    // Sequential: inside a transaction all three share one connection.
    const plan = await this.em.findOneOrFail(Plan, { code: tenant.plan.code });
    const domains = await this.em.find(
      Domain,
      { tenant: tenant.id },
      { orderBy: { hostname: 'asc' } },
    );
    const apiKeys = await this.em.find(
      ApiKey,
      { tenant: tenant.id },
      { orderBy: { createdAt: 'asc' } },
    );
    return tenantSnapshot(tenant, plan, domains, apiKeys);
  }

  async emit(tenant: Tenant, type: TenantLifecycleType): Promise<void> {
    await this.em.flush();
    this.enqueue(tenant, type, await this.snapshot(tenant));
  }

  /**
   * `tenant.created` for a tenant not yet flushed: its snapshot is what it was created with
   * (version 1, its domains, no API keys), so it needs no flush and no reads — the caller's one
   * flush writes the tenant, its domains, the audit row and this event together.
   */
  created(tenant: Tenant, plan: Plan): void {
    // In code-point order, as `snapshot` reads them under the C collation (hostnames are unique).
    const domains = [...tenant.domains.getItems()].sort((a, b) =>
      a.hostname < b.hostname ? -1 : 1,
    );
    this.enqueue(tenant, 'tenant.created', tenantSnapshot(tenant, plan, domains, []));
  }

  private enqueue(tenant: Tenant, type: TenantLifecycleType, data: TenantSnapshot): void {
    const event: TenantLifecycleEvent = {
      specversion: '1.0',
      id: randomUUID(),
      type,
      source: EVENT_SOURCE,
      time: new Date().toISOString(),
      tenantId: tenant.id,
      dataVersion: 1,
      data,
    };
    this.outbox.enqueue(Subjects.tenantLifecycle(type), event, {
      id: event.id,
      tenantId: tenant.id,
    });
  }
}
