import { Module, type DynamicModule } from '@nestjs/common';
import { serviceFoundation, type ServiceConfig } from '@tenantbus/tenant-context';

/** usage-service: usage metering, windows and plan quotas. Features are added as their issues land. */
@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [...serviceFoundation(config, { database: false })] };
  }
}
