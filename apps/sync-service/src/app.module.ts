import { Module, type DynamicModule } from '@nestjs/common';
import { serviceFoundation, type ServiceConfig } from '@tenantbus/tenant-context';

/** sync-service: per-tenant external accounts and scheduled metric sync. Features are added as their issues land. */
@Module({})
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [...serviceFoundation(config, { database: false })] };
  }
}
