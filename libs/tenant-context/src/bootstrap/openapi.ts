import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/** The service's OpenAPI document, with both credentials the edge accepts. */
export function buildOpenApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'Admin token, or a tenant API key (tb_…)',
    })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'x-api-key')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at `/docs` (UI) and `/docs-json`. */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
