import { Module } from '@nestjs/common';
import { UsageMetrics } from './usage.metrics';

@Module({ providers: [UsageMetrics], exports: [UsageMetrics] })
export class UsageMetricsModule {}
