import { ChangeSetType, type EventSubscriber, type FlushEventArgs } from '@mikro-orm/core';
import { readTenantContext } from '../context/tenant-context';
import { TenantContextMissingError, TenantMismatchError } from '../errors/tenantbus.error';
import { TenantScopedEntity } from './tenant-scoped.entity';

/**
 * Stamps and validates `tenant_id` on every flushed tenant-scoped entity. (Transactions are bound
 * to the tenant for row-level security as they begin: see `tenantKnexDialect`.)
 */
export class TenantSubscriber implements EventSubscriber {
  onFlush({ uow }: FlushEventArgs): void {
    const context = readTenantContext();
    for (const changeSet of uow.getChangeSets()) {
      const entity: unknown = changeSet.entity;
      if (!(entity instanceof TenantScopedEntity)) continue;
      if (context.isSystem) {
        if (!entity.tenantId)
          throw new TenantContextMissingError(
            'saving a tenant-scoped entity in system scope without tenantId',
          );
        continue;
      }
      const tenantId = context.maybeTenantId;
      if (!tenantId) throw new TenantContextMissingError(`writing ${changeSet.name}`);
      if (changeSet.type === ChangeSetType.CREATE && !entity.tenantId) {
        entity.tenantId = tenantId;
        uow.recomputeSingleChangeSet(entity);
      } else if (entity.tenantId !== tenantId) {
        throw new TenantMismatchError({
          entity: changeSet.name,
          entityTenantId: entity.tenantId,
          contextTenantId: tenantId,
        });
      }
    }
  }
}
