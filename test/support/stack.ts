import {
  createTestBus,
  createTestDatabase,
  httpRequest,
  startOtlpReceiver,
  startServiceProcess,
  type HttpResult,
  type OtlpReceiver,
  type ServiceProcess,
  type TestBus,
  type TestDatabase,
} from '@tenantbus/testing';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const SERVICES = ['tenant-service', 'sync-service', 'usage-service'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Stack {
  readonly bus: TestBus;
  readonly databases: Record<ServiceName, TestDatabase>;
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly collector: OtlpReceiver;
  /** A call to a service: the admin token unless `key` (a tenant API key) is given. */
  call<T = Record<string, unknown>>(
    service: ServiceName,
    method: string,
    path: string,
    options?: { body?: unknown; key?: string; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  /**
   * Starts a service again on its database and bus (after a crash or a stop; a running one is
   * stopped first), with `env` replacing the settings it was started with.
   */
  restart(service: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface StackServers {
  /** A private NATS server (`startNatsServer()`) instead of the shared one. */
  readonly natsUrl?: string;
  /** Per service, a private Postgres cluster (`startPostgresServer()`) instead of the shared one. */
  readonly databaseAdminUrls?: Partial<Record<ServiceName, string>>;
}

/**
 * The three built services as separate processes on real Postgres (a database each, as in
 * production) and NATS (a fresh bus prefix), exporting traces to an in-test collector.
 * `env` adds settings per service (e.g. the sync upstream); `servers` points them at private
 * servers a fault test may stop or kill.
 */
export async function startStack(
  env: Partial<Record<ServiceName, Record<string, string>>> = {},
  servers: StackServers = {},
): Promise<Stack> {
  const bus = await createTestBus('tb_stack', servers.natsUrl);
  const collector = await startOtlpReceiver();
  const databases = {} as Record<ServiceName, TestDatabase>;
  const services = {} as Record<ServiceName, ServiceProcess>;
  const stop = async () => {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await Promise.all(Object.values(databases).map((db) => db.drop()));
    await bus.close();
    await collector.close();
  };
  const envOf = (name: ServiceName, db: TestDatabase): Record<string, string> => ({
    ...(servers.natsUrl ? { NATS_URL: servers.natsUrl } : {}),
    BUS_PREFIX: bus.prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ADMIN_TOKENS: `e2e:${ADMIN_TOKEN}`,
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    DB_APP_ROLE: db.appRole,
    DB_SYSTEM_ROLE: db.systemRole,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    ...env[name],
  });
  try {
    for (const name of SERVICES) {
      const db = await createTestDatabase(
        `tb_${name.split('-')[0]}`,
        servers.databaseAdminUrls?.[name],
      );
      databases[name] = db;
      // Started in order: the registry answers the directory lookups the others make.
      services[name] = await startServiceProcess(name, envOf(name, db));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    bus,
    databases,
    services,
    collector,
    call: (service, method, path, options = {}) =>
      httpRequest(services[service].port, path, {
        method,
        body: options.body,
        headers: {
          authorization: `Bearer ${options.key ?? ADMIN_TOKEN}`,
          ...options.headers,
        },
      }),
    async restart(service, overrides = {}) {
      await services[service].stop();
      services[service] = await startServiceProcess(service, {
        ...envOf(service, databases[service]),
        ...overrides,
      });
      return services[service];
    },
    stop,
  };
}
