import { openApiDocuments } from '@tenantbus/testing';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { TenantServiceConfigSchema } from '../src/config/tenant-service.config';
import { TENANT_SERVICE_OPENAPI } from '../src/openapi.info';

/**
 * The committed OpenAPI document must match the code. `npm run openapi` rewrites it; CI fails
 * here when someone changed an endpoint and forgot to.
 */
describe('tenant-service OpenAPI document', () => {
  it('is up to date', async () => {
    const config = TenantServiceConfigSchema.parse({
      DATABASE_URL: 'postgres://unused/unused',
      LOG_LEVEL: 'silent',
    });
    const { generated, committed } = await openApiDocuments(
      AppModule.forRoot(config),
      TENANT_SERVICE_OPENAPI,
      join(__dirname, '..', 'openapi.json'),
    );
    expect(committed).toBe(generated);
  });
});
