import { Module, type DynamicModule } from '@nestjs/common';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox.relay';
import { OutboxService } from './outbox.service';

/**
 * A transactional outbox for a service with a database: `OutboxService.enqueue` in the unit of
 * work's transaction, `OutboxRelay` publishing after commit. The service lists `OutboxEvent`
 * among its entities and runs `OUTBOX_TABLE_SQL` in a migration.
 */
@Module({})
export class OutboxModule {
  static forRoot(options: OutboxRelayOptions): DynamicModule {
    return {
      module: OutboxModule,
      global: true,
      providers: [OutboxService, OutboxRelay, { provide: OUTBOX_RELAY_OPTIONS, useValue: options }],
      exports: [OutboxService, OutboxRelay],
    };
  }
}
