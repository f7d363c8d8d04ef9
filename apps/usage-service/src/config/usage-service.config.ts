import { DatabaseConfigShape, loadConfig, serviceConfigSchema } from '@tenantbus/tenant-context';
import { z } from 'zod';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');

export const UsageServiceConfigSchema = serviceConfigSchema('usage-service', 3003).extend({
  ...DatabaseConfigShape,
  /** Read-only role for dashboards (Grafana); granted select on the usage tables by migrations. */
  DB_REPORTING_ROLE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  /** Consume the usage stream (off for a read-only replica of the query API). */
  USAGE_INGEST_ENABLED: flag('true'),
  /**
   * Most messages per round. Each tenant's share of a round is one group (a scope, one statement):
   * larger rounds spread that fixed cost over more events (bench: usage, ~25% less CPU per event
   * for the service and Postgres at 10,000 than at 5,000 with 100 tenants; peak RSS ~200 MB).
   */
  USAGE_INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(10_000),
  /**
   * `batch`: one ack-all per round (a fraction of the ack traffic; exactly one ingesting replica
   * per durable — set `USAGE_INGEST_ENABLED=false` on the others). `each`: one ack per event,
   * replicas may share the durable.
   */
  USAGE_INGEST_ACK: z.enum(['batch', 'each']).default('each'),
  /** How long a fetched, unacknowledged event waits before redelivery (e.g. after a crash). */
  USAGE_INGEST_ACK_WAIT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * Deliveries of a failing tenant group before its events are dead-lettered (`HANDLER_FAILED`).
   * High: the backoff grows to 30 s, so a database outage of minutes costs no usage.
   */
  USAGE_INGEST_MAX_DELIVER: z.coerce.number().int().min(1).max(1_000).default(20),
  /**
   * Transactions (and connections) a round is written in at once, each holding a run of its
   * tenant groups, rebound to each group's tenant in turn.
   */
  USAGE_INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
  /**
   * How long an event arriving at an idle consumer waits for others before it is written; under
   * load a round takes whatever arrived while the previous one was written.
   */
  USAGE_INGEST_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** Events older than this are refused: late events would rewrite invoiced periods. */
  USAGE_MAX_EVENT_AGE_DAYS: z.coerce.number().int().min(1).max(3_650).default(35),
  /** Events further in the future than this are refused (clock skew allowance). */
  USAGE_MAX_FUTURE_MINUTES: z.coerce.number().int().min(0).max(1_440).default(5),
  /**
   * On `tenant.purged`: keep the monthly per-meter totals (what was invoiced) and erase the
   * rest, or erase everything.
   */
  USAGE_PURGE_KEEP_BILLING_TOTALS: flag('true'),
  /** How often unpublished threshold alerts are retried (crash between commit and publish). */
  USAGE_ALERT_RELAY_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
});
export type UsageServiceConfig = z.infer<typeof UsageServiceConfigSchema>;

export const loadUsageServiceConfig = (env: NodeJS.ProcessEnv = process.env): UsageServiceConfig =>
  loadConfig(UsageServiceConfigSchema, env);
