import { DatabaseConfigShape, ServiceConfigSchema } from '@tenantbus/tenant-context';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncServiceConfigSchema } from '../apps/sync-service/src/config/sync-service.config';
import { TenantServiceConfigSchema } from '../apps/tenant-service/src/config/tenant-service.config';
import { UsageServiceConfigSchema } from '../apps/usage-service/src/config/usage-service.config';

const ROOT = join(__dirname, '..');

/** The variables named in the first column of the tables under `## Configuration`. */
function documentedVariables(readme: string): string[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  const section = text.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
}

const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

describe('the configuration tables in the READMEs match the config schemas', () => {
  const shared = sorted([
    ...Object.keys(ServiceConfigSchema.shape),
    ...Object.keys(DatabaseConfigShape),
  ]);

  it('README.md documents exactly the settings every service shares', () => {
    expect(sorted(documentedVariables('README.md'))).toEqual(shared);
  });

  it.each([
    ['tenant-service', TenantServiceConfigSchema],
    ['sync-service', SyncServiceConfigSchema],
    ['usage-service', UsageServiceConfigSchema],
  ] as const)('apps/%s/README.md documents exactly its own settings', (service, schema) => {
    const own = Object.keys(schema.shape).filter((key) => !shared.includes(key));
    const documented = documentedVariables(`apps/${service}/README.md`).filter(
      (key) => !shared.includes(key),
    );
    expect(sorted(documented)).toEqual(sorted(own));
  });
});
