import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { OutboxEvent, TenantScopedEntity } from '@tenantbus/tenant-context';
import { UsageRecorder } from '../usage/usage.recorder';

/**
 * Erases every row a tenant owns in this service: every table of a `TenantScopedEntity`, found
 * from the ORM metadata so a table added later cannot be forgotten, and its outbox events
 * (published or not: a purged tenant's usage is no one's to count) — after its API request
 * counts still in memory are dropped, so no later flush writes a row for it. Must run in system
 * scope.
 */
@Injectable()
export class TenantDataEraser {
  private readonly logger = new Logger(TenantDataEraser.name);

  constructor(
    private readonly em: EntityManager,
    private readonly usage: UsageRecorder,
  ) {}

  async erase(tenantId: string): Promise<Record<string, number>> {
    await this.usage.forget(tenantId);
    const deleted: Record<string, number> = {};
    for (const meta of Object.values(this.em.getMetadata().getAll())) {
      if (meta.virtual || meta.abstract || !(meta.class.prototype instanceof TenantScopedEntity))
        continue;
      deleted[meta.tableName] = await this.em.nativeDelete(meta.class, { tenantId });
    }
    deleted.outbox = await this.em.nativeDelete(OutboxEvent, { tenantId });
    this.logger.log({ msg: 'tenant data erased', tenant: tenantId, deleted });
    return deleted;
  }
}
