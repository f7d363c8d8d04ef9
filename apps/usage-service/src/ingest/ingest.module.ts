import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MetersModule } from '../meters/meters.module';
import { UsageMetricsModule } from '../metrics/usage-metrics.module';
import { QuotasModule } from '../quotas/quotas.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { UsageEventRules } from './usage-event.rules';
import { UsageIngestConsumer } from './usage-ingest.consumer';
import { UsageIngestService } from './usage-ingest.service';
import { UsageIngestWriter } from './usage-ingest.writer';

@Module({
  imports: [MetersModule, LifecycleModule, QuotasModule, UsageMetricsModule],
  controllers: [EventsController],
  providers: [
    UsageEventRules,
    UsageIngestWriter,
    UsageIngestService,
    UsageIngestConsumer,
    EventsService,
  ],
})
export class IngestModule {}
