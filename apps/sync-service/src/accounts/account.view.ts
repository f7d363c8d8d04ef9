import type { AccountAudit } from './account-audit.entity';
import type { Account } from './account.entity';
import type { AccountAuditView, AccountView } from './dto/account.dto';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What callers see of an account: an allow-list, so new (secret) columns never leak by default. */
export function toAccountView(account: Account): AccountView {
  return {
    account_id: account.accountId,
    customer_id: account.tenantId,
    display_name: account.displayName,
    provider: account.provider,
    is_active: account.isActive,
    has_credentials: account.credentialsKeyId !== null,
    sync_status: account.syncStatus,
    last_sync_at: iso(account.lastSyncAt),
    next_sync_at: account.isActive && !account.deletedAt ? iso(account.nextSyncAt) : null,
    last_error: account.lastError,
    created_at: account.createdAt.toISOString(),
    updated_at: account.updatedAt.toISOString(),
    deleted_at: iso(account.deletedAt),
  };
}

export function toAccountAuditView(audit: AccountAudit): AccountAuditView {
  return {
    id: audit.id,
    account_id: audit.accountId,
    event: audit.action,
    old_customer_id: audit.oldCustomerId,
    new_customer_id: audit.newCustomerId,
    actor: audit.actor,
    created_at: audit.createdAt.toISOString(),
  };
}
