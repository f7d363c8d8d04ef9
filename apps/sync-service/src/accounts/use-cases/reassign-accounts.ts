import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AccountSubjects } from '@tenantbus/contracts';
import { OutboxService, TenantContext, TenantDirectory } from '@tenantbus/tenant-context';
import { randomUUID } from 'node:crypto';
import { describeActor } from '../../common/actor';
import {
  AccountExistsError,
  AccountNotFoundError,
  CustomerNotFoundError,
} from '../../common/sync.errors';
import { AccountCredentials } from '../../credentials/account-credentials';
import { AccountAudit } from '../account-audit.entity';
import { applyAccountChanges } from '../account-changes';
import { AccountLimits } from '../account-limits';
import { Account } from '../account.entity';
import type { UpdateAccountDto } from '../dto/account.dto';

export interface ReassignInput {
  readonly fromTenantId: string;
  readonly toTenantId: string;
  readonly accountIds: string[];
  /** Other PATCH fields applied in the same transaction, before the move. */
  readonly changes?: UpdateAccountDto;
}

/**
 * Moves accounts to another tenant: the one cross-tenant write of this service, so it runs in
 * `asSystem`. All or nothing: every account must exist with the old owner, none may exist with
 * the new one, and the new owner's account limit must hold. Metric points follow their account
 * (ON UPDATE CASCADE), credentials are re-sealed for the new owner, one audit row per account
 * goes to the new owner, and one `accounts.reassigned` event per account goes to the outbox in
 * the same transaction (published durably once it commits).
 */
@Injectable()
export class ReassignAccounts {
  private readonly logger = new Logger(ReassignAccounts.name);

  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    private readonly credentials: AccountCredentials,
    private readonly limits: AccountLimits,
    private readonly directory: TenantDirectory,
    private readonly outbox: OutboxService,
  ) {}

  async execute(input: ReassignInput): Promise<Account[]> {
    const target = await this.directory.findById(input.toTenantId);
    if (!target || target.status === 'deleted') throw new CustomerNotFoundError(input.toTenantId);
    const actor = describeActor(this.context.actor);
    const correlationId = this.context.correlationId ?? null;
    const moved = await this.context.asSystem('reassign account', () =>
      this.move(input, actor, correlationId),
    );
    this.logger.log({
      msg: 'accounts reassigned',
      from_tenant_id: input.fromTenantId,
      to_tenant_id: input.toTenantId,
      accounts: moved.length,
      actor,
    });
    return moved;
  }

  private async move(
    input: ReassignInput,
    actor: string,
    correlationId: string | null,
  ): Promise<Account[]> {
    const { fromTenantId: from, toTenantId: to, accountIds } = input;
    const accounts = await this.em.find(
      Account,
      { tenantId: from, accountId: { $in: accountIds }, deletedAt: null },
      { populate: ['credentialsCiphertext'], lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const found = new Set(accounts.map((account) => account.accountId));
    const missing = accountIds.filter((id) => !found.has(id));
    if (missing.length) throw new AccountNotFoundError({ account_ids: missing, customer_id: from });
    const taken = await this.em.find(Account, { tenantId: to, accountId: { $in: accountIds } });
    if (taken.length)
      throw new AccountExistsError({
        account_ids: taken.map((account) => account.accountId),
        customer_id: to,
      });
    await this.limits.assertRoom({ tenantId: to }, accountIds.length);
    for (const account of accounts) {
      if (input.changes) applyAccountChanges(account, input.changes, this.credentials);
    }
    await this.em.flush();
    for (const account of accounts) {
      const sealed = this.credentials.seal(this.credentials.read(account), {
        tenantId: to,
        accountId: account.accountId,
      });
      // The primary key changes, which the unit of work cannot express: one explicit update.
      await this.em.nativeUpdate(
        Account,
        { tenantId: from, accountId: account.accountId },
        {
          tenantId: to,
          credentialsKeyId: sealed?.keyId ?? null,
          credentialsCiphertext: sealed?.ciphertext ?? null,
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: new Date(),
        },
      );
      this.em.create(AccountAudit, {
        tenantId: to,
        accountId: account.accountId,
        action: 'customer_reassigned',
        oldCustomerId: from,
        newCustomerId: to,
        actor,
        correlationId,
      });
      const id = randomUUID();
      this.outbox.enqueue(
        AccountSubjects.reassigned,
        {
          id,
          type: 'accounts.reassigned',
          source: 'sync-service',
          time: new Date().toISOString(),
          accountId: account.accountId,
          fromTenantId: from,
          toTenantId: to,
          actor,
        },
        { id },
      );
    }
    await this.em.flush();
    return this.em.find(
      Account,
      { tenantId: to, accountId: { $in: accountIds } },
      { orderBy: { accountId: 'asc' } },
    );
  }
}
