import { Module, type DynamicModule } from '@nestjs/common';
import { serviceFoundation, type ServiceConfig } from '@tenantbus/tenant-context';

/** tenant-service: the tenant registry, its admin API and lifecycle events. Features are added as their issues land. */
@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [...serviceFoundation(config, { database: false })] };
  }
}
