import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { TenantContext } from '@tenantbus/tenant-context';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';

export interface SyncLease {
  readonly tenantId: string;
  readonly accountId: string;
  /** Written on the row; every later write of the run checks it is still ours. */
  readonly owner: string;
}

/** Serialises lease-taking across replicas, so the per-tenant cap counts every running lease. */
const LEASE_LOCK = `pg_advisory_xact_lock(hashtext('sync-service:lease'))`;

/**
 * Due accounts of active, unpaused tenants, at most `cap` running per tenant (leases held by any
 * replica count). Fair across tenants: candidates are ranked within their tenant and taken by
 * that rank first, then the tenant served least recently (`sync_policy.last_leased_at`) first —
 * round-robin over ticks, so one large tenant cannot starve the others. The picked rows are
 * locked `FOR UPDATE SKIP LOCKED` (a row another transaction holds, e.g. an API write, waits for
 * the next tick), leased, and their tenants marked as served.
 */
const LEASE_SQL = `
with running as (
  select tenant_id, count(*)::int as n from account
   where lease_expires_at > now() group by tenant_id
), due as (
  select a.tenant_id, a.account_id, a.next_sync_at, p.last_leased_at,
         row_number() over (partition by a.tenant_id order by a.next_sync_at, a.account_id) as rank
    from account a
    join sync_policy p on p.tenant_id = a.tenant_id and not p.paused and not p.stopped
    join tenant_state s on s.tenant_id = a.tenant_id and s.status = 'active'
   where a.is_active and a.deleted_at is null and a.next_sync_at <= now()
     and (a.lease_expires_at is null or a.lease_expires_at <= now())
), picked as (
  select d.tenant_id, d.account_id from due d left join running r on r.tenant_id = d.tenant_id
   where d.rank + coalesce(r.n, 0) <= ?
   order by d.rank, d.last_leased_at nulls first, d.next_sync_at
   limit ?
), locked as (
  select a.tenant_id, a.account_id from account a
    join picked p on p.tenant_id = a.tenant_id and p.account_id = a.account_id
   where a.lease_expires_at is null or a.lease_expires_at <= now()
     for update of a skip locked
), leased as (
  update account a
     set lease_owner = ?, lease_expires_at = now() + (? * interval '1 millisecond'),
         sync_status = 'running'
    from locked l
   where a.tenant_id = l.tenant_id and a.account_id = l.account_id
  returning a.tenant_id, a.account_id
), served as (
  update sync_policy p set last_leased_at = clock_timestamp()
   where p.tenant_id in (select tenant_id from leased)
)
select tenant_id, account_id from leased`;

/**
 * Taking due accounts is the scheduler's one cross-tenant query, so it is raw SQL in an audited
 * `asSystem` scope (the system role's RLS policy admits every tenant's rows). Everything a run
 * does afterwards happens in the account's own tenant scope.
 */
@Injectable()
export class SyncLeases {
  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
  ) {}

  lease(owner: string, limit: number): Promise<SyncLease[]> {
    return this.context.asSystem(
      'sync scheduler: lease due accounts',
      async () => {
        await this.em.execute(`select ${LEASE_LOCK}`);
        const rows = await this.em.execute<{ tenant_id: string; account_id: string }[]>(LEASE_SQL, [
          this.config.SYNC_TENANT_CONCURRENCY,
          limit,
          owner,
          this.config.SYNC_LEASE_MS,
        ]);
        return rows.map((row) => ({ tenantId: row.tenant_id, accountId: row.account_id, owner }));
      },
      { auditLevel: 'debug' },
    );
  }
}
