import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AccountLimitReachedError } from '../common/sync.errors';
import { SyncPolicy } from '../sync/sync-policy.entity';
import { Account } from './account.entity';

/**
 * The plan's account limit (`sync_accounts`). The tenant's policy row is locked first, so two
 * concurrent creates cannot both take the last slot. No policy yet (its `tenant.created` is
 * still on the way) means no known limit: the create is allowed.
 */
@Injectable()
export class AccountLimits {
  constructor(private readonly em: EntityManager) {}

  /** In a tenant scope, `scope` is `{}` (the filter adds the tenant); in system scope, the tenant. */
  async assertRoom(scope: { tenantId?: string }, adding: number): Promise<void> {
    const policy = await this.em.findOne(SyncPolicy, scope, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
    });
    if (policy?.maxAccounts === null || policy?.maxAccounts === undefined) return;
    const current = await this.em.count(Account, { ...scope, deletedAt: null });
    if (current + adding > policy.maxAccounts)
      throw new AccountLimitReachedError(policy.maxAccounts, current);
  }
}
