import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AdminRequiredError, TenantContext } from '@tenantbus/tenant-context';
import { isOperator } from '../common/actor';
import { Clock } from '../common/clock';
import {
  AccountExistsError,
  AccountInactiveError,
  AccountNotFoundError,
  CustomerMismatchError,
  CustomerRequiredError,
  ReassignSameCustomerError,
} from '../common/sync.errors';
import { AccountCredentials } from '../credentials/account-credentials';
import { AccountAudit } from './account-audit.entity';
import { applyAccountChanges, credentialsOf } from './account-changes';
import { AccountLimits } from './account-limits';
import { toAccountAuditView, toAccountView } from './account.view';
import { Account } from './account.entity';
import type {
  AccountAuditView,
  AccountView,
  BulkAssignDto,
  BulkAssignView,
  CreateAccountDto,
  UpdateAccountDto,
} from './dto/account.dto';
import { ReassignAccounts } from './use-cases/reassign-accounts';

/**
 * Accounts of the caller's tenant. Everything here runs in the tenant scope the HTTP edge bound
 * (API key, or an admin naming the tenant), so the filter and RLS do the scoping; only
 * reassignment crosses tenants, through `ReassignAccounts`.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    private readonly credentials: AccountCredentials,
    private readonly limits: AccountLimits,
    private readonly reassign: ReassignAccounts,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateAccountDto): Promise<AccountView> {
    this.assertOwnCustomer(dto.customer_id);
    const existing = await this.em.findOne(Account, { accountId: dto.account_id });
    if (existing)
      throw new AccountExistsError({
        account_id: dto.account_id,
        deleted: existing.deletedAt !== null,
      });
    await this.limits.assertRoom({}, 1);
    const now = this.clock.now();
    const account = this.em.create(Account, {
      // Set now (the subscriber would on flush) because the credentials are sealed to it.
      tenantId: this.context.tenantId,
      accountId: dto.account_id,
      displayName: dto.display_name ?? null,
      provider: dto.provider ?? 'simulated',
      isActive: dto.is_active ?? true,
      nextSyncAt: now,
      createdAt: now,
      updatedAt: now,
    });
    this.credentials.write(account, credentialsOf(dto) ?? null);
    await this.flushUnique(dto.account_id);
    return toAccountView(account);
  }

  async list(activeOnly: boolean, customerId?: string): Promise<AccountView[]> {
    this.assertOwnCustomer(customerId);
    const accounts = await this.em.find(
      Account,
      { deletedAt: null, ...(activeOnly ? { isActive: true } : {}) },
      { orderBy: { createdAt: 'asc', accountId: 'asc' } },
    );
    return accounts.map(toAccountView);
  }

  async get(accountId: string): Promise<AccountView> {
    return toAccountView(await this.load(accountId));
  }

  async update(accountId: string, dto: UpdateAccountDto): Promise<AccountView> {
    if (dto.customer_id === null) throw new CustomerRequiredError();
    if (dto.customer_id !== undefined && dto.customer_id !== this.context.tenantId) {
      if (!isOperator(this.context)) throw new AdminRequiredError();
      const [moved] = await this.reassign.execute({
        fromTenantId: this.context.tenantId,
        toTenantId: dto.customer_id,
        accountIds: [accountId],
        changes: dto,
      });
      return toAccountView(moved);
    }
    const account = await this.load(accountId, true);
    applyAccountChanges(account, dto, this.credentials);
    await this.em.flush();
    return toAccountView(account);
  }

  /** Soft delete: the row and its metrics stay (the seed's `deleted_at`); syncing stops. */
  async remove(accountId: string): Promise<AccountView> {
    const account = await this.load(accountId);
    account.deletedAt = this.clock.now();
    await this.em.flush();
    return toAccountView(account);
  }

  /** Queues a run now: the scheduler leases it on its next tick, so it never runs twice at once. */
  async triggerSync(accountId: string): Promise<AccountView> {
    const account = await this.load(accountId);
    if (!account.isActive) throw new AccountInactiveError(accountId);
    account.nextSyncAt = this.clock.now();
    account.consecutiveFailures = 0;
    if (account.syncStatus !== 'running') account.syncStatus = 'queued';
    await this.em.flush();
    return toAccountView(account);
  }

  async audit(accountId: string): Promise<AccountAuditView[]> {
    // An id this tenant has no account under is a 404 like every other account route, not an
    // empty trail (a deleted account keeps its trail).
    if ((await this.em.count(Account, { accountId })) === 0)
      throw new AccountNotFoundError({ account_id: accountId });
    const rows = await this.em.find(
      AccountAudit,
      { accountId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return rows.map(toAccountAuditView);
  }

  async bulkAssign(customerId: string, dto: BulkAssignDto): Promise<BulkAssignView> {
    this.assertOwnCustomer(customerId);
    if (!isOperator(this.context)) throw new AdminRequiredError();
    if (dto.from_customer_id === customerId) throw new ReassignSameCustomerError(customerId);
    const moved = await this.reassign.execute({
      fromTenantId: dto.from_customer_id,
      toTenantId: customerId,
      accountIds: dto.account_ids,
    });
    return { customer_id: customerId, account_ids: moved.map((account) => account.accountId) };
  }

  /** A tenant key may only name its own tenant as `customer_id`; admins were scoped to it already. */
  assertOwnCustomer(customerId: string | undefined): void {
    if (customerId !== undefined && customerId !== this.context.tenantId)
      throw new CustomerMismatchError(customerId);
  }

  private async load(accountId: string, withCredentials = false): Promise<Account> {
    const account = await this.em.findOne(
      Account,
      { accountId, deletedAt: null },
      withCredentials ? { populate: ['credentialsCiphertext'] } : {},
    );
    if (!account) throw new AccountNotFoundError({ account_id: accountId });
    return account;
  }

  /** A concurrent create of the same id is still a 409, not a 500. */
  private async flushUnique(accountId: string): Promise<void> {
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AccountExistsError({ account_id: accountId, deleted: false });
      throw error;
    }
  }
}
