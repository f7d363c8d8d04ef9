import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MetersModule } from '../meters/meters.module';
import { UsageMetricsModule } from '../metrics/usage-metrics.module';
import { QuotaAlerts } from './quota-alerts';
import { QuotaService } from './quota.service';
import { QuotasController } from './quotas.controller';
import { ThresholdRelay } from './threshold.relay';
import { ThresholdWriter } from './threshold.writer';
import { UsageCheckResponder } from './usage-check.responder';

@Module({
  imports: [MetersModule, LifecycleModule, UsageMetricsModule],
  controllers: [QuotasController],
  providers: [QuotaService, QuotaAlerts, ThresholdWriter, ThresholdRelay, UsageCheckResponder],
  exports: [QuotaAlerts],
})
export class QuotasModule {}
