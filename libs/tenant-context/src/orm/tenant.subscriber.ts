import {
  ChangeSetType,
  type EventSubscriber,
  type FlushEventArgs,
  type TransactionEventArgs,
} from '@mikro-orm/core';
import { readTenantContext } from '../context/tenant-context';
import { TenantContextMissingError, TenantMismatchError } from '../errors/tenantbus.error';
import { quoteIdent, TENANT_SETTING, type RlsRoles } from './rls';
import { TenantScopedEntity } from './tenant-scoped.entity';

/**
 * Binds each transaction to the context's tenant (or the system role) for row-level security,
 * and stamps/validates `tenant_id` on every flushed tenant-scoped entity.
 */
export class TenantSubscriber implements EventSubscriber {
  private readonly enterSystemRole: string;

  constructor(roles: Pick<RlsRoles, 'systemRole'>) {
    this.enterSystemRole = `set local role ${quoteIdent(roles.systemRole)}`;
  }

  async afterTransactionStart({ em, transaction }: TransactionEventArgs): Promise<void> {
    const context = readTenantContext();
    const connection = em.getConnection();
    if (context.isSystem) {
      await connection.execute(this.enterSystemRole, [], 'run', transaction);
      return;
    }
    const tenantId = context.maybeTenantId;
    // No tenant: leave the setting empty, so every RLS policy matches nothing (fail closed).
    if (tenantId) {
      await connection.execute(
        `select set_config('${TENANT_SETTING}', ?, true)`,
        [tenantId],
        'run',
        transaction,
      );
    }
  }

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
