import { loadConfig, runService, serviceConfigSchema } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';

runService(
  () => loadConfig(serviceConfigSchema('tenant-service', 3001)),
  (config) => AppModule.forRoot(config),
);
