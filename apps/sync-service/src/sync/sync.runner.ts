import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsRegistry, TenantbusError, TenantContext } from '@tenantbus/tenant-context';
import { randomUUID } from 'node:crypto';
import { MetricPoint } from '../account-metrics/metric-point.entity';
import { Account } from '../accounts/account.entity';
import { Clock } from '../common/clock';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';
import { AccountCredentials } from '../credentials/account-credentials';
import type { Credentials } from '../credentials/credentials.cipher';
import { UsageRecorder } from '../usage/usage.recorder';
import { assertValidRecords, type SyncBatch } from './providers/sync-provider';
import { SyncProviders } from './providers/sync-providers';
import type { SyncLease } from './sync-leases';
import { SyncPolicy } from './sync-policy.entity';
import { SyncTiming } from './sync-timing';

interface RunStart {
  readonly provider: string;
  readonly checkpoint: string | null;
  readonly credentials: Credentials | null;
  readonly intervalMs: number;
}

type RunEnd = { outcome: 'succeeded'; more: boolean } | { outcome: 'paused' };

/** The lease went to another worker (it expired) or the account left the tenant: stop quietly. */
class LeaseLostError extends Error {}

/**
 * One sync run of one leased account, in that account's tenant scope. Provider calls happen
 * outside any transaction; each batch is then written in its own transaction (metric upsert,
 * checkpoint, lease renewal, its `sync.records` usage), so a failed run resumes from the last
 * saved batch; the run's end commits with its `sync.runs` usage. The tenant's
 * policy is re-read before every provider call: a suspension stops the run at the next batch.
 */
@Injectable()
export class SyncRunner {
  private readonly logger = new Logger(SyncRunner.name);
  private readonly runs;
  private readonly recordsSynced;
  private readonly duration;

  constructor(
    private readonly em: EntityManager,
    private readonly context: TenantContext,
    private readonly credentials: AccountCredentials,
    private readonly providers: SyncProviders,
    private readonly timing: SyncTiming,
    private readonly usage: UsageRecorder,
    private readonly clock: Clock,
    @Inject(SYNC_CONFIG) private readonly config: SyncServiceConfig,
    metrics: MetricsRegistry,
  ) {
    this.runs = metrics.counter('sync_runs_total', 'Sync runs by outcome', ['outcome']);
    this.recordsSynced = metrics.counter('sync_records_total', 'Metric records written by syncs');
    this.duration = metrics.histogram('sync_run_duration_seconds', 'Sync run wall time', [], {
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    });
  }

  async run(lease: SyncLease): Promise<void> {
    const runId = randomUUID();
    const inScope = <T>(fn: () => Promise<T>) =>
      this.context.runWithTenant(lease.tenantId, fn, {
        correlationId: runId,
        actor: { kind: 'system', id: 'sync-scheduler' },
      });
    const stopTimer = this.duration.startTimer();
    let records = 0;
    let outcome: string;
    try {
      const start = await inScope(() => this.begin(lease));
      if (!start) {
        outcome = 'skipped';
      } else {
        const provider = this.providers.get(start.provider);
        let checkpoint = start.checkpoint;
        let end: RunEnd = { outcome: 'succeeded', more: false };
        for (let batch = 0; ; batch += 1) {
          const page = await provider.fetch(
            {
              tenantId: lease.tenantId,
              accountId: lease.accountId,
              credentials: start.credentials,
            },
            checkpoint,
          );
          assertValidRecords(page.records);
          checkpoint = page.nextCheckpoint ?? checkpoint;
          const keepGoing = await inScope(() => this.saveBatch(lease, page, checkpoint));
          records += page.records.length;
          if (!keepGoing) {
            end = { outcome: 'paused' };
            break;
          }
          if (!page.hasMore || batch + 1 >= this.config.SYNC_MAX_BATCHES_PER_RUN) {
            end = { outcome: 'succeeded', more: page.hasMore };
            break;
          }
        }
        await inScope(() => this.finish(lease, start, end));
        outcome = end.outcome;
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        outcome = 'lease_lost';
      } else {
        outcome = 'failed';
        await inScope(() => this.fail(lease, error)).catch((failure: unknown) =>
          this.logger.error({ msg: 'could not record a failed sync', error: String(failure) }),
        );
      }
    }
    stopTimer();
    this.runs.inc({ outcome });
    this.recordsSynced.inc(records);
  }

  /** What the run needs, or undefined (lease released) when the account must not sync now. */
  private async begin(lease: SyncLease): Promise<RunStart | undefined> {
    const account = await this.leased(lease, true);
    const policy = await this.em.findOne(SyncPolicy, {});
    if (!policy || policy.paused || policy.stopped || !account.isActive || account.deletedAt) {
      this.release(account);
      return undefined;
    }
    return {
      provider: account.provider,
      checkpoint: account.syncCheckpoint,
      credentials: this.credentials.read(account),
      intervalMs: policy.intervalMs,
    };
  }

  /** Idempotent: the metric primary key is the conflict target, so a re-sync overwrites. */
  private async saveBatch(
    lease: SyncLease,
    page: SyncBatch,
    checkpoint: string | null,
  ): Promise<boolean> {
    const account = await this.leased(lease);
    const now = this.clock.now();
    if (page.records.length) {
      await this.em.upsertMany(
        MetricPoint,
        page.records.map((record) => ({
          // upsert bypasses the filter (STACK.md): the tenant is explicit, and RLS checks it.
          tenantId: account.tenantId,
          accountId: account.accountId,
          metric: record.metric,
          time: record.time,
          value: record.value,
          syncedAt: now,
        })),
      );
      // Counted with the records it counts: committed together or not at all.
      this.usage.record('sync.records', page.records.length, { subject: account.accountId });
    }
    account.syncCheckpoint = checkpoint;
    account.leaseExpiresAt = new Date(now.getTime() + this.config.SYNC_LEASE_MS);
    const policy = await this.em.findOne(SyncPolicy, {});
    return !!policy && !policy.paused && !policy.stopped;
  }

  private async finish(lease: SyncLease, start: RunStart, end: RunEnd): Promise<void> {
    const account = await this.leased(lease);
    const now = this.clock.now();
    if (end.outcome === 'paused') {
      // Resumes from the checkpoint as soon as the tenant is active again.
      account.syncStatus = 'idle';
      account.nextSyncAt = now;
    } else {
      account.syncStatus = 'succeeded';
      account.lastSyncAt = now;
      account.lastError = null;
      account.consecutiveFailures = 0;
      account.nextSyncAt = end.more ? now : this.timing.nextRun(now, start.intervalMs);
    }
    account.leaseOwner = null;
    account.leaseExpiresAt = null;
    this.usage.record('sync.runs', 1, {
      subject: account.accountId,
      data: { outcome: end.outcome },
    });
  }

  private async fail(lease: SyncLease, error: unknown): Promise<void> {
    const account = await this.em.findOne(Account, {
      accountId: lease.accountId,
      leaseOwner: lease.owner,
    });
    const known = error instanceof TenantbusError;
    this.logger.warn({
      msg: 'sync run failed',
      account: lease.accountId,
      code: known ? error.code : 'SYNC_FAILED',
      // Provider errors are built without request data; anything else is described by type only.
      error: known ? error.message : error instanceof Error ? error.name : 'unknown',
    });
    if (!account) return;
    this.usage.record('sync.runs', 1, { subject: account.accountId, data: { outcome: 'failed' } });
    const now = this.clock.now();
    account.consecutiveFailures += 1;
    account.syncStatus = 'failed';
    account.lastError = known ? `${error.code}: ${error.message}` : 'SYNC_FAILED: internal error';
    account.nextSyncAt = this.timing.retryAt(now, account.consecutiveFailures);
    account.leaseOwner = null;
    account.leaseExpiresAt = null;
  }

  private async leased(lease: SyncLease, withCredentials = false): Promise<Account> {
    const account = await this.em.findOne(
      Account,
      { accountId: lease.accountId, leaseOwner: lease.owner },
      withCredentials ? { populate: ['credentialsCiphertext'] } : {},
    );
    if (!account) throw new LeaseLostError();
    return account;
  }

  private release(account: Account): void {
    account.leaseOwner = null;
    account.leaseExpiresAt = null;
    if (account.syncStatus === 'running') account.syncStatus = 'idle';
  }
}
