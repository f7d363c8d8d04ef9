import { NestFactory } from '@nestjs/core';
import { buildOpenApiDocument } from '@tenantbus/tenant-context';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { SyncServiceConfigSchema } from '../src/config/sync-service.config';
import { SYNC_SERVICE_OPENAPI } from '../src/openapi.info';

const COMMITTED = join(__dirname, '..', 'openapi.json');

/** The committed OpenAPI document must match the code; `npm run openapi` rewrites it. */
describe('sync-service OpenAPI document', () => {
  it('is up to date', async () => {
    const config = SyncServiceConfigSchema.parse({
      DATABASE_URL: 'postgres://unused/unused',
      CREDENTIALS_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
      LOG_LEVEL: 'silent',
    });
    // Preview mode builds the module graph without instantiating providers: no DB, no NATS.
    const app = await NestFactory.create(AppModule.forRoot(config), {
      preview: true,
      logger: false,
    });
    const generated = `${JSON.stringify(buildOpenApiDocument(app, SYNC_SERVICE_OPENAPI), null, 2)}\n`;
    await app.close();
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, generated);
    const committed = readFileSync(COMMITTED, 'utf8');
    expect(committed).toBe(generated);
  });
});
