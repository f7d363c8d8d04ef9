import { Inject, Injectable } from '@nestjs/common';
import type { UsageEvent } from '@tenantbus/contracts';
import type { Meter } from '../meters/meter.entity';
import { USAGE_CONFIG } from '../common/tokens';
import type { UsageServiceConfig } from '../config/usage-service.config';
import {
  evaluateUsageEvent,
  type Evaluation,
  type EvaluationLimits,
} from './usage-event.evaluator';

/** `evaluateUsageEvent` with this deployment's time limits. */
@Injectable()
export class UsageEventRules {
  private readonly limits: EvaluationLimits;

  constructor(@Inject(USAGE_CONFIG) config: UsageServiceConfig) {
    this.limits = {
      maxAgeMs: config.USAGE_MAX_EVENT_AGE_DAYS * 86_400_000,
      maxFutureMs: config.USAGE_MAX_FUTURE_MINUTES * 60_000,
    };
  }

  evaluate(event: UsageEvent, meters: readonly Meter[], now: number): Evaluation {
    return evaluateUsageEvent(event, meters, this.limits, now);
  }
}
