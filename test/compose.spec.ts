import { ServiceConfigSchema } from '@tenantbus/tenant-context';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SyncServiceConfigSchema } from '../apps/sync-service/src/config/sync-service.config';
import { TenantServiceConfigSchema } from '../apps/tenant-service/src/config/tenant-service.config';

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
    'usage-service': ServiceConfigSchema,
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
