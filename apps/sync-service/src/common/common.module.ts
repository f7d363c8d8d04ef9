import { Global, Module, type DynamicModule } from '@nestjs/common';
import { SYNC_CONFIG, type SyncServiceConfig } from '../config/sync-service.config';
import { Clock } from './clock';

/** What every feature may inject: the validated config and the clock. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: SyncServiceConfig): DynamicModule {
    return {
      module: CommonModule,
      providers: [{ provide: SYNC_CONFIG, useValue: config }, Clock],
      exports: [SYNC_CONFIG, Clock],
    };
  }
}
