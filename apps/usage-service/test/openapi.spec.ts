import { openApiDocuments } from '@tenantbus/testing';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { UsageServiceConfigSchema } from '../src/config/usage-service.config';
import { USAGE_SERVICE_OPENAPI } from '../src/openapi.info';

/** The committed OpenAPI document must match the code; `npm run openapi` rewrites it. */
describe('usage-service OpenAPI document', () => {
  it('is up to date', async () => {
    const config = UsageServiceConfigSchema.parse({
      DATABASE_URL: 'postgres://unused/unused',
      LOG_LEVEL: 'silent',
    });
    const { generated, committed } = await openApiDocuments(
      AppModule.forRoot(config),
      USAGE_SERVICE_OPENAPI,
      join(__dirname, '..', 'openapi.json'),
    );
    expect(committed).toBe(generated);
  });
});
