import { loadConfig, runService, serviceConfigSchema } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';

runService(
  () => loadConfig(serviceConfigSchema('sync-service', 3002)),
  (config) => AppModule.forRoot(config),
);
