import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { TenantContext } from '../context/tenant-context';
import { QuotaExceededError, RateLimitedError } from '../errors/tenantbus.error';
import { QuotaBalances } from './quota-balances';
import { TenantRateLimiter } from './rate-limiter';

export const QUOTA_METER = 'tenantbus:quota-meter';
export const QUOTA_GUARD_OPTIONS = Symbol('QUOTA_GUARD_OPTIONS');

export interface QuotaGuardOptions {
  /** The plan limit holding the per-tenant request rate. */
  readonly rateLimitKey: string;
}

/**
 * 429 before the handler runs when the tenant is over its plan's request rate
 * (`RATE_LIMITED`) or has used up the route's meter for the period (`QUOTA_EXCEEDED`). Decided
 * from `QuotaBalances` (cached, refreshed in the background), never by a query per request.
 * Runs after the tenant resolution guard, so the tenant is bound.
 */
@Injectable()
export class QuotaGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly context: TenantContext,
    private readonly balances: QuotaBalances,
    private readonly limiter: TenantRateLimiter,
    @Inject(QUOTA_GUARD_OPTIONS) private readonly options: QuotaGuardOptions,
  ) {}

  canActivate(execution: ExecutionContext): boolean {
    const tenantId = this.context.tenantId;
    const rate = this.balances.limitsOf(tenantId)?.[this.options.rateLimitKey];
    if (typeof rate === 'number') {
      const decision = this.limiter.take(tenantId, rate);
      if (!decision.allowed) {
        retryAfter(execution, decision.retryAfterMs);
        throw new RateLimitedError({ limitPerSecond: rate, retryAfterMs: decision.retryAfterMs });
      }
    }
    const meter = this.reflector.get<string | undefined>(QUOTA_METER, execution.getHandler());
    const balance = meter ? this.balances.balanceOf(tenantId, meter) : undefined;
    if (balance && balance.limit !== null && balance.used >= balance.limit) {
      retryAfter(execution, Date.parse(balance.period.end) - Date.now());
      throw new QuotaExceededError({
        meter: balance.meter,
        used: balance.used,
        limit: balance.limit,
        period: balance.period,
      });
    }
    return true;
  }
}

function retryAfter(execution: ExecutionContext, ms: number): void {
  if (execution.getType() !== 'http') return;
  const seconds = Math.max(1, Math.ceil(ms / 1_000));
  execution.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
}

/**
 * On a tenant route: the plan's request rate applies, and with a meter, so does its quota
 * (`@EnforceQuota('api.requests')`). Needs `QuotaGuardModule`.
 */
export const EnforceQuota = (meter?: string) =>
  applyDecorators(SetMetadata(QUOTA_METER, meter), UseGuards(QuotaGuard));
