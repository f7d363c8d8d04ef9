import { migrateDatabase, runService } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';
import { loadSyncServiceConfig } from './config/sync-service.config';
import { ormOptions } from './database/mikro-orm.options';
import { SYNC_SERVICE_OPENAPI } from './openapi.info';

runService(
  loadSyncServiceConfig,
  async (config) => {
    if (config.DATABASE_OWNER_URL) {
      const roles = { appRole: config.DB_APP_ROLE, systemRole: config.DB_SYSTEM_ROLE };
      await migrateDatabase(ormOptions(config.DATABASE_OWNER_URL, config.DB_SYSTEM_ROLE), roles);
    }
    return AppModule.forRoot(config);
  },
  { openApi: SYNC_SERVICE_OPENAPI },
);
