import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SyncServiceConfigSchema } from '../apps/sync-service/src/config/sync-service.config';
import { TenantServiceConfigSchema } from '../apps/tenant-service/src/config/tenant-service.config';
import { UsageServiceConfigSchema } from '../apps/usage-service/src/config/usage-service.config';

const ROOT = join(__dirname, '..');

interface ComposeService {
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
}

/** Docker does not run on our machines: the compose file is checked against the code instead. */
describe('docker-compose.yml agrees with the code', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<string, ComposeService>;
  };
  const schemas: Record<string, { shape: Record<string, unknown> }> = {
    'tenant-service': TenantServiceConfigSchema,
    'sync-service': SyncServiceConfigSchema,
    'usage-service': UsageServiceConfigSchema,
  };

  it.each(Object.keys(schemas))(
    '%s builds from the Dockerfile and sets only known settings',
    (name) => {
      const service = compose.services[name];
      expect(service.build?.args?.SERVICE).toBe(name);
      expect(existsSync(join(ROOT, service.build?.context ?? '.', 'Dockerfile'))).toBe(true);
      const unknown = Object.keys(service.environment ?? {}).filter(
        (key) => !(key in schemas[name].shape),
      );
      expect(unknown).toEqual([]);
      expect(service.ports).toEqual([`${service.environment?.PORT}:${service.environment?.PORT}`]);
      expect(service.healthcheck).toBeDefined();
      expect(service.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
      });
    },
  );

  it('the Dockerfile starts the entry point the build produces', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('dist/apps/${SERVICE}/apps/${SERVICE}/src/main.js');
    expect(dockerfile).toContain('npm run build');
  });

  it('Prometheus scrapes every service on its port', () => {
    const prometheus = parse(
      readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'),
    ) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((config) => config.targets),
    );
    for (const name of Object.keys(schemas)) {
      expect(targets).toContain(`${name}:${compose.services[name].environment?.PORT}`);
    }
  });

  it('services export traces to the collector, which forwards them to the trace UI', () => {
    const collector = parse(readFileSync(join(ROOT, 'deploy/otel/collector.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { exporters: string[] } } };
    };
    const httpPort = collector.receivers.otlp.protocols.http.endpoint.split(':')[1];
    for (const name of Object.keys(schemas)) {
      expect(compose.services[name].environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
        `http://otel-collector:${httpPort}`,
      );
    }
    const [exporter] = collector.service.pipelines.traces.exporters;
    expect(collector.exporters[exporter].endpoint.split(':')[0]).toBe('jaeger');
    expect(compose.services.jaeger).toBeDefined();
  });

  it('services log in to NATS with the credentials the server is started with', () => {
    const command = (compose.services.nats as { command: string[] }).command;
    const user = command[command.indexOf('--user') + 1];
    const pass = command[command.indexOf('--pass') + 1];
    for (const name of Object.keys(schemas)) {
      const url = new URL(compose.services[name].environment?.NATS_URL ?? '');
      expect([url.username, url.password]).toEqual([user, pass]);
    }
  });

  it('each service that follows tenants has a database of its own, made by the init script', () => {
    const init = readFileSync(join(ROOT, 'docker/postgres-init.sql'), 'utf8');
    const databaseOf = (name: string) =>
      new URL(compose.services[name].environment?.DATABASE_URL ?? '').pathname.slice(1);
    for (const name of ['sync-service', 'usage-service']) {
      const database = databaseOf(name);
      expect(init).toContain(`create database ${database};`);
      expect(new URL(compose.services[name].environment?.DATABASE_OWNER_URL ?? '').pathname).toBe(
        `/${database}`,
      );
    }
    expect(new Set(Object.keys(schemas).map(databaseOf)).size).toBe(3);
  });

  it('mounts only files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of (service as { volumes?: string[] }).volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./'))
          expect([name, existsSync(join(ROOT, source))]).toEqual([name, true]);
      }
    }
  });
});
