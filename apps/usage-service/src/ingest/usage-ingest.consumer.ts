import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  BusNaming,
  parseUsageEventFast,
  USAGE_EVENTS_WILDCARD,
  UsageEventSchema,
} from '@tenantbus/contracts';
import {
  DeadLetterPublisher,
  ensureUsageStream,
  JetStreamBatchConsumer,
  NATS_CONNECTION,
  TenantContext,
  TenantDirectory,
} from '@tenantbus/tenant-context';
import type { NatsConnection } from 'nats';
import { USAGE_CONFIG } from '../common/tokens';
import type { UsageServiceConfig } from '../config/usage-service.config';
import { UsageMetrics } from '../metrics/usage.metrics';
import { UsageIngestService } from './usage-ingest.service';

export const INGEST_DURABLE = 'usage-ingest';

/**
 * The durable pull consumer of `<prefix>.usage.events.>`: large rounds written in a few
 * transactions, each rebound to one tenant group after another; ack after commit. Messages
 * without a (known) tenant or with a malformed body are dead-lettered by the lib before they
 * reach `UsageIngestService`.
 */
@Injectable()
export class UsageIngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: JetStreamBatchConsumer<typeof UsageEventSchema>;
  streamName?: string;

  constructor(
    @Inject(USAGE_CONFIG) private readonly config: UsageServiceConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly naming: BusNaming,
    private readonly context: TenantContext,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly directory: TenantDirectory,
    private readonly ingest: UsageIngestService,
    private readonly metrics: UsageMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.streamName = await ensureUsageStream(this.nc, this.naming);
    if (!this.config.USAGE_INGEST_ENABLED) return;
    this.consumer = new JetStreamBatchConsumer(this.nc, this.context, this.deadLetters, {
      stream: this.streamName,
      durable: INGEST_DURABLE,
      filterSubject: this.naming.subject(USAGE_EVENTS_WILDCARD),
      schema: UsageEventSchema,
      fastParse: parseUsageEventFast,
      batchSize: this.config.USAGE_INGEST_BATCH_SIZE,
      lingerMs: this.config.USAGE_INGEST_LINGER_MS,
      ack: this.config.USAGE_INGEST_ACK,
      transactionsPerRound: this.config.USAGE_INGEST_CONCURRENCY,
      ackWaitMs: this.config.USAGE_INGEST_ACK_WAIT_MS,
      maxDeliver: this.config.USAGE_INGEST_MAX_DELIVER,
      verifyTenant: (tenantId) => this.directory.exists(tenantId),
      handleBatch: (items) => this.ingest.ingest(items),
      onDeadLetter: (reason) => this.metrics.deadLetters.inc({ reason }),
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
