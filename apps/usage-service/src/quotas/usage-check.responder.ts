import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BusNaming, Subjects, type TenantLimits } from '@tenantbus/contracts';
import {
  NATS_CONNECTION,
  serveTenantRequests,
  TenantContext,
  TenantDirectory,
} from '@tenantbus/tenant-context';
import type { NatsConnection, Subscription } from 'nats';
import { TenantGate } from '../lifecycle/tenant-gate';
import { QuotaService } from './quota.service';

const QUEUE = 'usage-service';

/**
 * `usage.check {meter}` → `QuotaStatus` and `usage.limits {}` → `TenantLimits` (what the lib's
 * quota guard caches), each answered in the requesting tenant's scope.
 */
@Injectable()
export class UsageCheckResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly directory: TenantDirectory,
    private readonly quotas: QuotaService,
    private readonly gate: TenantGate,
  ) {}

  onApplicationBootstrap(): void {
    const verifyTenant = (tenantId: string) => this.directory.exists(tenantId);
    this.subscriptions.push(
      serveTenantRequests(this.nc, this.naming, this.context, Subjects.usageCheck, {
        queue: QUEUE,
        verifyTenant,
        handle: (request) => this.quotas.status(request.meter),
      }),
      serveTenantRequests(this.nc, this.naming, this.context, Subjects.usageLimits, {
        queue: QUEUE,
        verifyTenant,
        handle: () => this.limits(),
      }),
    );
  }

  onApplicationShutdown(): void {
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }

  private async limits(): Promise<TenantLimits> {
    const state = await this.gate.state();
    return { plan: state?.planCode ?? null, limits: state?.limits ?? {} };
  }
}
