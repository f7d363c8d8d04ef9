import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  QuotaStatusSchema,
  Subjects,
  TENANT_ID_HEADER,
  TENANT_LIFECYCLE_WILDCARD,
  TenantLifecycleEventSchema,
  TenantLimitsSchema,
  UsageThresholdEventSchema,
  type BusNaming,
  type PlanLimits,
  type QuotaStatus,
} from '@tenantbus/contracts';
import { headers as natsHeaders, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import { SingleFlight } from '../util/single-flight';

const codec = JSONCodec<unknown>();

export interface QuotaBalancesOptions {
  /** After this, a cached balance is refreshed in the background (it is still served). */
  readonly ttlMs?: number;
  readonly requestTimeoutMs?: number;
}

interface Entry<T> {
  value?: T;
  fetchedAt: number;
}

/**
 * What the quota guard knows without asking anyone on the request path: per tenant the plan
 * limits and per tenant and meter the current balance. A miss or a stale entry starts one
 * background refresh (`usage.limits` / `usage.check` to the usage-service) and the request is
 * decided on what is known — so a cold cache lets requests through until the first answer.
 * Pushed updates make it quick where it matters: a 100% threshold alert marks the meter used up
 * at once, a lifecycle event replaces the tenant's limits.
 */
export class QuotaBalances implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QuotaBalances.name);
  private readonly limits = new Map<string, Entry<PlanLimits>>();
  private readonly balances = new Map<string, Entry<QuotaStatus>>();
  private readonly refreshes = new SingleFlight<string, void>();
  private readonly subscriptions: Subscription[] = [];
  private readonly ttlMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    options: QuotaBalancesOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  }

  onModuleInit(): void {
    this.subscriptions.push(
      this.nc.subscribe(this.naming.subject(Subjects.usageThreshold.name), {
        callback: (_error, msg) => {
          const alert = UsageThresholdEventSchema.safeParse(safeDecode(msg.data));
          if (!alert.success || alert.data.threshold < 100) return;
          const key = balanceKey(alert.data.tenantId, alert.data.meter);
          const current = this.balances.get(key)?.value;
          const used = Math.max(alert.data.used, current?.used ?? 0);
          this.balances.set(key, {
            fetchedAt: this.now(),
            value: { ...alert.data, used, remaining: Math.max(0, alert.data.limit - used) },
          });
        },
      }),
      this.nc.subscribe(this.naming.subject(TENANT_LIFECYCLE_WILDCARD), {
        callback: (_error, msg) => {
          const event = TenantLifecycleEventSchema.safeParse(safeDecode(msg.data));
          if (!event.success) return;
          this.limits.set(event.data.tenantId, {
            fetchedAt: this.now(),
            value: event.data.data.plan.limits,
          });
          // Balances carry the old limit: refetch them on next use.
          for (const key of this.balances.keys())
            if (key.startsWith(`${event.data.tenantId}:`)) this.balances.delete(key);
        },
      }),
    );
  }

  onModuleDestroy(): void {
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }

  /** The tenant's plan limits if known; refreshes in the background when missing or stale. */
  limitsOf(tenantId: string): PlanLimits | undefined {
    return this.cached(this.limits, tenantId, () =>
      this.ask(tenantId, Subjects.usageLimits.name, {}, TenantLimitsSchema).then(
        (reply) => reply.limits,
      ),
    );
  }

  /** The tenant's balance of a meter if known; refreshes in the background when missing or stale. */
  balanceOf(tenantId: string, meter: string): QuotaStatus | undefined {
    return this.cached(this.balances, balanceKey(tenantId, meter), () =>
      this.ask(tenantId, Subjects.usageCheck.name, { meter }, QuotaStatusSchema),
    );
  }

  /** Resolves when background refreshes in flight are done (tests, warm-up). */
  settled(): Promise<void> {
    return this.refreshes.settled();
  }

  /** Keys never collide across the two maps: a tenant id has no `:`, a balance key has. */
  private cached<T>(
    map: Map<string, Entry<T>>,
    key: string,
    fetch: () => Promise<T>,
  ): T | undefined {
    const entry = map.get(key) ?? { fetchedAt: 0 };
    map.set(key, entry);
    if (this.now() - entry.fetchedAt >= this.ttlMs) {
      // A refresh already in flight is joined, not repeated.
      void this.refreshes.run(key, () =>
        fetch()
          .then((value) => {
            entry.value = value;
            entry.fetchedAt = this.now();
          })
          .catch((error: unknown) =>
            // Keep serving what we had; the next request past the TTL tries again.
            this.logger.warn({ msg: 'quota refresh failed', key, error: String(error) }),
          ),
      );
    }
    return entry.value;
  }

  private async ask<S extends z.ZodType>(
    tenantId: string,
    name: string,
    body: unknown,
    schema: S,
  ): Promise<z.output<S>> {
    // Outside any request scope (a background refresh): the tenant header is set explicitly.
    const headers = natsHeaders();
    headers.set(TENANT_ID_HEADER, tenantId);
    const reply = await this.nc.request(this.naming.subject(name), codec.encode(body), {
      headers,
      timeout: this.requestTimeoutMs,
    });
    return schema.parse(codec.decode(reply.data));
  }
}

function balanceKey(tenantId: string, meter: string): string {
  return `${tenantId}:${meter}`;
}

function safeDecode(data: Uint8Array): unknown {
  try {
    return codec.decode(data);
  } catch {
    return undefined;
  }
}
