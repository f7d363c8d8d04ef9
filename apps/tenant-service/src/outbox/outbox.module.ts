import { Module, type DynamicModule } from '@nestjs/common';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox.relay';
import { OutboxService } from './outbox.service';

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
