import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BusNaming, USAGE_STREAM } from '@tenantbus/contracts';
import { MetricsRegistry, NATS_CONNECTION, TenantContext } from '@tenantbus/tenant-context';
import type { NatsConnection } from 'nats';
import { scopeTransaction } from '../common/scope-transaction';
import { INGEST_DURABLE } from '../ingest/usage-ingest.consumer';

/*
 * Platform-wide aggregates per plan for Prometheus: summed over tenants in SQL (system scope),
 * so no tenant ever becomes a label. Raw SQL because it joins the usage totals with the meter
 * definitions and the lifecycle projection in one cheap statement per scrape.
 */
const PER_PLAN_SQL = `
select coalesce(s.plan_code, 'unknown') as plan, p.meter,
  case m.aggregation
    when 'COUNT' then sum(p.event_count)
    when 'UNIQUE_COUNT' then sum(p.unique_count)
    when 'MAX' then max(p.value_max)
    when 'LATEST' then sum(p.latest_value)
    else sum(p.value_sum) end as value
from usage_period p
join meter m on m.name = p.meter
left join tenant_state s on s.tenant_id = p.tenant_id
where p.period_start = date_trunc('month', now() at time zone 'UTC') at time zone 'UTC'
group by 1, 2, m.aggregation`;

const TENANTS_SQL = `
select plan_code as plan, case when purged_at is not null then 'purged' else status end as status,
  count(*)::int as value
from tenant_state group by 1, 2`;

/** Gauges read at scrape time: consumer lag from JetStream, per-plan usage from the database. */
@Injectable()
export class UsageGauges implements OnModuleInit {
  private readonly logger = new Logger(UsageGauges.name);

  constructor(
    private readonly metrics: MetricsRegistry,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly em: EntityManager,
  ) {}

  onModuleInit(): void {
    // prom-client calls `collect` with the gauge as `this`; the service's reads come in as closures.
    const lag = () => this.lag();
    const rows = <T>(sql: string) => this.rows<T>(sql);
    this.metrics.gauge(
      'tenantbus_usage_consumer_pending',
      'Usage events waiting in the stream (pending) or delivered but not yet committed (ack_pending)',
      ['state'],
      {
        async collect() {
          const current = await lag();
          if (!current) return;
          this.set({ state: 'pending' }, current.pending);
          this.set({ state: 'ack_pending' }, current.ackPending);
        },
      },
    );
    this.metrics.gauge(
      'tenantbus_usage_period_total',
      'Usage in the current calendar month (UTC), per plan and meter, summed over tenants',
      ['plan', 'meter'],
      {
        async collect() {
          const perPlan = await rows<{ plan: string; meter: string; value: unknown }>(PER_PLAN_SQL);
          this.reset();
          for (const row of perPlan)
            this.set({ plan: row.plan, meter: row.meter }, Number(row.value));
        },
      },
    );
    this.metrics.gauge(
      'tenantbus_usage_tenants',
      'Tenants known to the usage-service, per plan and status',
      ['plan', 'status'],
      {
        async collect() {
          const tenants = await rows<{ plan: string; status: string; value: number }>(TENANTS_SQL);
          this.reset();
          for (const row of tenants) this.set({ plan: row.plan, status: row.status }, row.value);
        },
      },
    );
  }

  private async lag(): Promise<{ pending: number; ackPending: number } | undefined> {
    try {
      const jsm = await this.nc.jetstreamManager();
      const info = await jsm.consumers.info(this.naming.stream(USAGE_STREAM), INGEST_DURABLE);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    } catch (error) {
      // No consumer yet (ingest off, or first boot): no series rather than a failed scrape.
      this.logger.debug({ msg: 'consumer lag unavailable', error: String(error) });
      return undefined;
    }
  }

  private async rows<T>(sql: string): Promise<T[]> {
    return this.context.asSystem(
      'metrics: usage per plan',
      async () => (await scopeTransaction(this.em).raw<{ rows: T[] }>(sql)).rows,
      { auditLevel: 'debug' },
    );
  }
}
