import {
  DatabaseConfigShape,
  loadConfig,
  OutboxConfigShape,
  serviceConfigSchema,
} from '@tenantbus/tenant-context';
import { z } from 'zod';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');

/** `code:ms,code:ms` → a map; refuses anything else at boot. */
const planIntervals = z
  .string()
  .regex(/^([a-z0-9_-]+:\d+)(,[a-z0-9_-]+:\d+)*$/, 'plan:milliseconds[,plan:milliseconds]')
  .transform(
    (value) =>
      new Map(
        value.split(',').map((pair) => {
          const [plan, ms] = pair.split(':');
          return [plan, Number(ms)] as const;
        }),
      ),
  );

export const SyncServiceConfigSchema = serviceConfigSchema('sync-service', 3002).extend({
  ...DatabaseConfigShape,
  ...OutboxConfigShape,
  /**
   * `keyId:<base64 of 32 bytes>,…`; the first key encrypts, every listed key decrypts (rotation:
   * put the new key first, re-encrypt, then drop the old one). Secret: never logged.
   */
  CREDENTIALS_KEYS: z.string().min(1),
  /** Off in tests that drive syncs by hand and on replicas that only serve the API. */
  SYNC_SCHEDULER_ENABLED: flag('true'),
  /** How often a replica looks for due accounts. */
  SYNC_TICK_MS: z.coerce.number().int().min(10).max(600_000).default(5_000),
  /** Accounts leased per tick and replica. */
  SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(20),
  /** Accounts of one tenant syncing at once, over all replicas. */
  SYNC_TENANT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(2),
  /** A lease outlives a crashed worker by this much; renewed after every batch. */
  SYNC_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(300_000),
  /** Sync interval per plan code; the plan limit `sync_interval_seconds` wins when set. */
  SYNC_PLAN_INTERVALS_MS: planIntervals.default(
    new Map([
      ['free', 3_600_000],
      ['pro', 900_000],
      ['enterprise', 300_000],
    ]),
  ),
  SYNC_DEFAULT_INTERVAL_MS: z.coerce.number().int().min(10).default(3_600_000),
  /** Up to this fraction of the interval is added at random, so accounts do not sync in lockstep. */
  SYNC_JITTER_RATIO: z.coerce.number().min(0).max(1).default(0.1),
  /** First retry delay after a failed run; doubles per consecutive failure up to the max. */
  SYNC_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
  SYNC_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
  /** Provider batches per run; the checkpoint carries the rest to the next run. */
  SYNC_MAX_BATCHES_PER_RUN: z.coerce.number().int().min(1).max(10_000).default(50),
  /** The HTTP provider's upstream, e.g. `https://metrics.example.com`. */
  SYNC_HTTP_BASE_URL: z.url().optional(),
  SYNC_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Days of history the simulated provider backfills on an account's first run. */
  SYNC_SIMULATED_HISTORY_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** api.requests usage is counted in memory and written to the outbox per tenant this often. */
  USAGE_FLUSH_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
});
export type SyncServiceConfig = z.infer<typeof SyncServiceConfigSchema>;

export const loadSyncServiceConfig = (env: NodeJS.ProcessEnv = process.env): SyncServiceConfig =>
  loadConfig(SyncServiceConfigSchema, env);

/** The config as a Nest provider token, for features that read their settings. */
export const SYNC_CONFIG = Symbol('SYNC_CONFIG');
