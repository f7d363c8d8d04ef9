import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { buildOpenApiDocument, type OpenApiInfo } from '@tenantbus/tenant-context';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * A service's OpenAPI document as the code produces it, next to the committed one (rewritten
 * first when `UPDATE_OPENAPI=1`, which `npm run openapi` sets). Preview mode builds the module
 * graph without instantiating providers: no database, no NATS.
 */
export async function openApiDocuments(
  appModule: DynamicModule,
  info: OpenApiInfo,
  committedPath: string,
): Promise<{ generated: string; committed: string }> {
  const app = await NestFactory.create(appModule, { preview: true, logger: false });
  const generated = `${JSON.stringify(buildOpenApiDocument(app, info), null, 2)}\n`;
  await app.close();
  if (process.env.UPDATE_OPENAPI === '1') writeFileSync(committedPath, generated);
  return { generated, committed: readFileSync(committedPath, 'utf8') };
}
