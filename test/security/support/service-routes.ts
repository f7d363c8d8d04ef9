import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import {
  buildOpenApiDocument,
  ROUTE_SCOPE,
  serveOpenApi,
  type OpenApiInfo,
  type RouteScope,
} from '@tenantbus/tenant-context';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule as SyncApp } from '../../../apps/sync-service/src/app.module';
import { SyncServiceConfigSchema } from '../../../apps/sync-service/src/config/sync-service.config';
import { SYNC_SERVICE_OPENAPI } from '../../../apps/sync-service/src/openapi.info';
import { AppModule as TenantApp } from '../../../apps/tenant-service/src/app.module';
import { TenantServiceConfigSchema } from '../../../apps/tenant-service/src/config/tenant-service.config';
import { TENANT_SERVICE_OPENAPI } from '../../../apps/tenant-service/src/openapi.info';
import { AppModule as UsageApp } from '../../../apps/usage-service/src/app.module';
import { UsageServiceConfigSchema } from '../../../apps/usage-service/src/config/usage-service.config';
import { USAGE_SERVICE_OPENAPI } from '../../../apps/usage-service/src/openapi.info';
import type { ServiceName } from '../../support/stack';

export type ScopeKind = RouteScope['kind'];

/** One route a service answers, as its Express router holds it (`:param` syntax). */
export interface ServiceRoute {
  readonly service: ServiceName;
  readonly method: string;
  readonly path: string;
  /** From the handler's `@PublicRoute`/`@SystemScoped` metadata; Swagger's own routes are public. */
  readonly scope: ScopeKind;
  readonly params: readonly string[];
}

/** Enough configuration to build a module graph; preview mode connects to nothing. */
const PREVIEW_ENV = {
  DATABASE_URL: 'postgres://unused/unused',
  CREDENTIALS_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
  LOG_LEVEL: 'silent',
};

const APPS: Record<ServiceName, { module: () => DynamicModule; openApi: OpenApiInfo }> = {
  'tenant-service': {
    module: () => TenantApp.forRoot(TenantServiceConfigSchema.parse(PREVIEW_ENV)),
    openApi: TENANT_SERVICE_OPENAPI,
  },
  'sync-service': {
    module: () => SyncApp.forRoot(SyncServiceConfigSchema.parse(PREVIEW_ENV)),
    openApi: SYNC_SERVICE_OPENAPI,
  },
  'usage-service': {
    module: () => UsageApp.forRoot(UsageServiceConfigSchema.parse(PREVIEW_ENV)),
    openApi: USAGE_SERVICE_OPENAPI,
  },
};

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

const normalize = (path: string) => `/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
const key = (method: string, path: string) => `${method} ${path}`;

/**
 * Every route of a service, read from the Express router of its real application module (the
 * same module, global guards, pipes, filters and `/docs` as `main.ts` boots; preview mode, so no
 * database or NATS is needed). New routes are covered without touching the suite.
 */
export async function serviceRoutes(service: ServiceName): Promise<ServiceRoute[]> {
  const { module, openApi } = APPS[service];
  const app = await NestFactory.create(module(), { preview: true, logger: false });
  try {
    serveOpenApi(app, buildOpenApiDocument(app, openApi));
    await app.init();
    const scopes = handlerScopes(app.get(ModulesContainer));
    const router = (app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } })
      .router;
    const routes = new Map<string, ServiceRoute>();
    for (const layer of router.stack) {
      if (!layer.route) continue;
      const path = normalize(layer.route.path);
      for (const method of Object.keys(layer.route.methods)) {
        const upper = method.toUpperCase();
        const scope = scopes.get(key(upper, path)) ?? (isSwagger(path) ? 'public' : undefined);
        if (!scope) throw new Error(`${service}: no handler metadata for ${upper} ${path}`);
        const params = [...path.matchAll(/:(\w+)/g)].map((match) => match[1]);
        routes.set(key(upper, path), { service, method: upper, path, scope, params });
      }
    }
    return [...routes.values()];
  } finally {
    await app.close();
  }
}

const isSwagger = (path: string) =>
  path === '/docs' || path.startsWith('/docs/') || /^\/docs-(json|yaml)$/.test(path);

/** `METHOD path` → the scope its controller method declares (tenant by default). */
function handlerScopes(container: ModulesContainer): Map<string, ScopeKind> {
  const scopes = new Map<string, ScopeKind>();
  for (const moduleRef of container.values()) {
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const scope = ((Reflect.getMetadata(ROUTE_SCOPE, handler) ??
          Reflect.getMetadata(ROUTE_SCOPE, controller)) as RouteScope | undefined) ?? {
          kind: 'tenant',
        };
        for (const prefix of prefixes)
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, handler)))
            scopes.set(key(RequestMethod[method], normalize(`${prefix}/${path}`)), scope.kind);
      }
    }
  }
  return scopes;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? (value as string[]) : [typeof value === 'string' ? value : ''];

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: SchemaRef }> };
}
export interface SchemaRef {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaRef>;
  oneOf?: SchemaRef[];
  items?: SchemaRef;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, SchemaRef> };
}

/** The committed document (`test/openapi.spec.ts` keeps it equal to the code). */
export function committedOpenApi(service: ServiceName): OpenApiDocument {
  const file = join(__dirname, '..', '..', '..', 'apps', service, 'openapi.json');
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/** `/a/{id}` ↔ `/a/:id` */
export const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Query parameter names and top-level body property names an operation documents. */
export function documentedInputs(
  document: OpenApiDocument,
  route: ServiceRoute,
): { query: string[]; body: string[] | undefined } {
  const operation = document.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
  const query = (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const schema = operation?.requestBody?.content['application/json']?.schema;
  if (!schema) return { query, body: undefined };
  const resolve = (ref: SchemaRef): SchemaRef =>
    ref.$ref ? (document.components?.schemas?.[ref.$ref.split('/').pop() ?? ''] ?? {}) : ref;
  const resolved = resolve(schema.oneOf?.[0] ?? schema);
  return { query, body: Object.keys(resolved.properties ?? {}) };
}
