import { Module, type DynamicModule } from '@nestjs/common';
import { USAGE_CONFIG } from '../common/tokens';
import type { UsageServiceConfig } from './usage-service.config';

/** Makes the validated configuration injectable (`@Inject(USAGE_CONFIG)`) everywhere. */
@Module({})
export class UsageConfigModule {
  static forRoot(config: UsageServiceConfig): DynamicModule {
    return {
      module: UsageConfigModule,
      global: true,
      providers: [{ provide: USAGE_CONFIG, useValue: config }],
      exports: [USAGE_CONFIG],
    };
  }
}
