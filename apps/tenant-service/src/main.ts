import { runService } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';
import { loadTenantServiceConfig } from './config/tenant-service.config';
import { migrate } from './database/migrate';

runService(loadTenantServiceConfig, async (config) => {
  if (config.DATABASE_OWNER_URL) {
    await migrate(config.DATABASE_OWNER_URL, {
      appRole: config.DB_APP_ROLE,
      systemRole: config.DB_SYSTEM_ROLE,
    });
  }
  return AppModule.forRoot(config);
});
