import { loadConfig, runService, serviceConfigSchema } from '@tenantbus/tenant-context';
import { AppModule } from './app.module';

runService(
  () => loadConfig(serviceConfigSchema('usage-service', 3003)),
  (config) => AppModule.forRoot(config),
);
