import { Module, type DynamicModule } from '@nestjs/common';
import { BusNaming } from '@tenantbus/contracts';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION } from '../module/tokens';
import { QuotaBalances, type QuotaBalancesOptions } from './quota-balances';
import { QUOTA_GUARD_OPTIONS, QuotaGuard } from './quota.guard';
import { TenantRateLimiter } from './rate-limiter';

export interface QuotaGuardModuleOptions extends QuotaBalancesOptions {
  /** Plan limit with the per-tenant requests per second. Default `requests_per_second`. */
  readonly rateLimitKey?: string;
}

/** For services that put `@EnforceQuota()` on routes; needs `TenantContextModule` (NATS). */
@Module({})
export class QuotaGuardModule {
  static forRoot(options: QuotaGuardModuleOptions = {}): DynamicModule {
    return {
      module: QuotaGuardModule,
      global: true,
      providers: [
        {
          provide: QUOTA_GUARD_OPTIONS,
          useValue: { rateLimitKey: options.rateLimitKey ?? 'requests_per_second' },
        },
        {
          provide: QuotaBalances,
          useFactory: (nc: NatsConnection, naming: BusNaming) =>
            new QuotaBalances(nc, naming, options),
          inject: [NATS_CONNECTION, BusNaming],
        },
        { provide: TenantRateLimiter, useValue: new TenantRateLimiter() },
        QuotaGuard,
      ],
      exports: [QuotaBalances, TenantRateLimiter, QUOTA_GUARD_OPTIONS, QuotaGuard],
    };
  }
}
