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
 * Records a lifecycle event for a tenant in the current transaction. Flushes first, so the
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
    const event: TenantLifecycleEvent = {
      specversion: '1.0',
      id: randomUUID(),
      type,
      source: EVENT_SOURCE,
      time: new Date().toISOString(),
      tenantId: tenant.id,
      dataVersion: 1,
      data: await this.snapshot(tenant),
    };
    this.outbox.enqueue(Subjects.tenantLifecycle(type), event, {
      id: event.id,
      tenantId: tenant.id,
    });
  }
}
