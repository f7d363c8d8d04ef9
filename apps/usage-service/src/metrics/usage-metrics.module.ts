import { Module } from '@nestjs/common';
import { UsageGauges } from './usage-gauges';
import { UsageMetrics } from './usage.metrics';

@Module({ providers: [UsageMetrics, UsageGauges], exports: [UsageMetrics] })
export class UsageMetricsModule {}
