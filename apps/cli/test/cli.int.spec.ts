import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../src/main';
import {
  ADMIN_TOKEN,
  startTenantService,
  type TenantServiceHarness,
} from '../../tenant-service/test/tenant-service.harness';

describe('admin CLI against a real tenant-service (Postgres + NATS)', () => {
  let svc: TenantServiceHarness;
  let cli: (...argv: string[]) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    svc = await startTenantService();
    const { port } = (svc.app.getHttpServer() as Server).address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    cli = (...argv) =>
      runCli(argv, {
        tenantService: base,
        syncService: base,
        usageService: base,
        adminToken: ADMIN_TOKEN,
      });
  });
  afterAll(() => svc?.close());

  it('creates, lists, suspends and activates a tenant by slug, with tables and --json', async () => {
    const created = await cli(
      'tenants',
      'create',
      '--slug',
      'acme-cli',
      '--name',
      'Acme CLI',
      '--json',
    );
    expect(created.exitCode).toBe(0);
    const tenant = JSON.parse(created.stdout) as { id: string; status: string };
    expect(tenant.status).toBe('active');

    const listed = await cli('tenants', 'list', '--q', 'acme-cli');
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+SLUG\s+NAME\s+STATUS\s+PLAN\s+VERSION$/);
    expect(listed.stdout).toMatch(/acme-cli\s+Acme CLI\s+active\s+free/);

    const suspended = await cli('tenants', 'suspend', 'acme-cli', '--reason', 'overdue', '--json');
    expect(JSON.parse(suspended.stdout)).toMatchObject({ id: tenant.id, status: 'suspended' });
    const activated = await cli('tenants', 'activate', tenant.id);
    expect(activated.stdout).toMatch(/acme-cli\s+Acme CLI\s+active/);
    expect(
      await svc.count('select count(*)::int as n from audit_event where tenant_id = $1', [
        tenant.id,
      ]),
    ).toBeGreaterThanOrEqual(3);
  });

  it('creates an API key (shown once) and revokes it', async () => {
    await cli('tenants', 'create', '--slug', 'keys-cli', '--name', 'Keys');
    const created = await cli('api-keys', 'create', 'keys-cli', '--name', 'ci', '--json');
    const key = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.key).toMatch(/^tb_/);
    const listed = await cli('api-keys', 'list', 'keys-cli', '--json');
    expect(listed.stdout).not.toContain(key.key);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: key.id, revokedAt: null }),
    ]);
    const revoked = await cli('api-keys', 'revoke', 'keys-cli', key.id, '--json');
    expect(revoked.exitCode).toBe(0);
    const after = JSON.parse((await cli('api-keys', 'list', 'keys-cli', '--json')).stdout) as {
      revokedAt: string | null;
    }[];
    expect(after[0].revokedAt).not.toBeNull();
  });

  it("prints the API's error code and changes nothing on refusal", async () => {
    const before = await svc.count('select count(*)::int as n from tenant');
    const duplicate = await cli('tenants', 'create', '--slug', 'acme-cli', '--name', 'Again');
    expect(duplicate).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/^[A-Z_]+ \(409\): /),
    });
    const missing = await cli('tenants', 'show', 'no-such-tenant');
    expect(missing.stderr).toMatch(/\(404\)/);
    expect(await svc.count('select count(*)::int as n from tenant')).toBe(before);
  });

  it('refuses a wrong admin token', async () => {
    const { port } = (svc.app.getHttpServer() as Server).address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const output = await runCli(['tenants', 'list'], {
      tenantService: base,
      syncService: base,
      usageService: base,
      adminToken: 'wrong',
    });
    expect(output).toMatchObject({
      exitCode: 1,
      stderr: expect.stringMatching(/^INVALID_CREDENTIALS \(401\)/),
    });
  });
});
