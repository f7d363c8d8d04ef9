import {
  Logger as NestLogger,
  Module,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { describeConfig, type ServiceConfig } from '../config/service-config';
import { connectTenantMicroservice } from '../nats/microservice';
import { startTracing, type TracingHandle } from '../observability/tracing';
import { buildOpenApiDocument, serveOpenApi, type OpenApiInfo } from './openapi';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Flushes buffered spans after Nest has closed everything else. */
class TracingShutdown implements OnApplicationShutdown {
  constructor(private readonly tracing: TracingHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}

type BootConfig = Pick<
  ServiceConfig,
  'SERVICE_NAME' | 'PORT' | 'NATS_URL' | 'OTEL_EXPORTER_OTLP_ENDPOINT'
>;

/**
 * The one way a tenantbus service starts: tracing first, JSON logs, the NATS transport attached
 * with the app's guards/interceptors, graceful shutdown on SIGTERM/SIGINT.
 */
export interface BootOptions {
  /** Served at `/docs`; the same document is committed next to the service. */
  readonly openApi?: OpenApiInfo;
  /** Largest JSON body accepted; larger requests get 413. */
  readonly bodyLimit?: string;
}

export async function bootstrapService(
  appModule: Type | DynamicModule,
  config: BootConfig & Record<string, unknown>,
  options: BootOptions = {},
): Promise<INestApplication> {
  const tracing = startTracing({
    serviceName: config.SERVICE_NAME,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  @Module({
    imports: [appModule],
    providers: [{ provide: TracingShutdown, useValue: new TracingShutdown(tracing) }],
  })
  class ServiceRoot {}
  const app = await NestFactory.create<NestExpressApplication>(ServiceRoot, {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  // No framework fingerprint on every answer.
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: options.bodyLimit ?? '100kb' });
  if (options.openApi) serveOpenApi(app, buildOpenApiDocument(app, options.openApi));
  app.enableShutdownHooks();
  connectTenantMicroservice(app, config.NATS_URL, config.SERVICE_NAME);
  await app.startAllMicroservices();
  await app.listen(config.PORT, '0.0.0.0');
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  new NestLogger('Bootstrap').log({
    msg: `${config.SERVICE_NAME} listening`,
    url,
    health: `${url}/health/ready`,
    config: describeConfig(config),
  });
  return app;
}

/**
 * `main.ts` of every service: validate the environment (fail fast, one clear message, no secret
 * values), then boot; any boot failure exits non-zero instead of leaving a half-started process.
 */
export function runService<C extends BootConfig & Record<string, unknown>>(
  loadServiceConfig: () => C,
  createModule: (config: C) => DynamicModule | Promise<DynamicModule>,
  options: BootOptions = {},
): void {
  let config: C;
  try {
    config = loadServiceConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  Promise.resolve(createModule(config))
    .then((appModule) => bootstrapService(appModule, config, options))
    .catch((error: unknown) => {
      process.stderr.write(
        `${config.SERVICE_NAME} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(1);
    });
}
