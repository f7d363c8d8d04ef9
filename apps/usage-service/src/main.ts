import { runService } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';
import { loadUsageServiceConfig } from './config/usage-service.config';
import { migrateUsageDatabase } from './database/migrate';
import { USAGE_SERVICE_OPENAPI } from './openapi.info';

runService(
  loadUsageServiceConfig,
  async (config) => {
    if (config.DATABASE_OWNER_URL) {
      const roles = { appRole: config.DB_APP_ROLE, systemRole: config.DB_SYSTEM_ROLE };
      await migrateUsageDatabase(config.DATABASE_OWNER_URL, roles, config.DB_REPORTING_ROLE);
    }
    return AppModule.forRoot(config);
  },
  // Batches of usage events are larger than the default 100 kB.
  { openApi: USAGE_SERVICE_OPENAPI, bodyLimit: '1mb' },
);
