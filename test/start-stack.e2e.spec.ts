import { freePort, waitFor } from '@tenantbus/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../apps/cli/src/main';

const ROOT = join(__dirname, '..');
const SERVICES = ['TENANT_SERVICE_PORT', 'SYNC_SERVICE_PORT', 'USAGE_SERVICE_PORT'];

/** `npm start` without DATABASE_URL and NATS_URL: embedded Postgres, nats-server from PATH. */
describe('npm start (embedded mode): the stack comes up, is seeded, and stops without orphans', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantbus-start-'));
  let launcher: ChildProcess;
  let output = '';
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    for (const name of SERVICES) ports[name] = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...Object.fromEntries(SERVICES.map((name) => [name, String(ports[name])])),
      TENANTBUS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.DATABASE_URL;
    delete env.NATS_URL;
    delete env.ADMIN_TOKENS;
    // As `npm start` runs it: one Node process (tsx as a loader), so signals reach its handler.
    launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack/start.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      () => {
        if (launcher.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
        return output.includes('tenantbus is running');
      },
      { timeoutMs: 90_000, intervalMs: 200, what: 'the stack' },
    );
  }, 120_000);

  afterAll(() => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers health checks on all three services and prints their URLs', async () => {
    for (const name of SERVICES) {
      const url = `http://127.0.0.1:${ports[name]}`;
      expect(output).toContain(url);
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        info: { nats: { status: 'up' } },
      });
    }
    expect(output).toMatch(/postgres\s+embedded/);
  });

  it('seeded two demo tenants with working API keys and accounts', async () => {
    const listed = await runCli(['tenants', 'list', '--json'], {
      tenantService: `http://127.0.0.1:${ports.TENANT_SERVICE_PORT}`,
      syncService: '',
      usageService: '',
      adminToken: 'dev-admin-token-change-me',
    });
    const slugs = (JSON.parse(listed.stdout) as { slug: string }[]).map((tenant) => tenant.slug);
    expect(slugs.sort()).toEqual(['acme', 'globex']);
    const key = /demo tenant\s+acme\s+API key (tb_\S+)/.exec(output)?.[1];
    const me = await fetch(`http://127.0.0.1:${ports.TENANT_SERVICE_PORT}/api/v1/me`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await me.json()).toMatchObject({ slug: 'acme' });
    const accounts = await fetch(`http://127.0.0.1:${ports.SYNC_SERVICE_PORT}/api/v1/accounts`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(
      ((await accounts.json()) as { account_id: string }[]).map((a) => a.account_id).sort(),
    ).toEqual(['acme-cabin', 'acme-loft']);
  });

  it('answers the admin CLI on every service', async () => {
    const endpoints = {
      tenantService: `http://127.0.0.1:${ports.TENANT_SERVICE_PORT}`,
      syncService: `http://127.0.0.1:${ports.SYNC_SERVICE_PORT}`,
      usageService: `http://127.0.0.1:${ports.USAGE_SERVICE_PORT}`,
      adminToken: 'dev-admin-token-change-me',
    };
    const accounts = await runCli(['accounts', 'list', 'acme'], endpoints);
    expect(accounts.stdout).toMatch(/acme-loft/);
    const quotas = await runCli(['quotas', 'show', 'globex'], endpoints);
    expect(quotas).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^METER\s+USED\s+LIMIT/),
    });
    const usage = await runCli(
      ['usage', 'show', 'acme', '--meter', 'sync.runs', '--window', 'DAY'],
      endpoints,
    );
    expect(usage.exitCode).toBe(0);
  });

  it('stops every process it started on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const name of SERVICES) {
      await expect(fetch(`http://127.0.0.1:${ports[name]}/health/live`)).rejects.toThrow();
    }
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(processes.split('\n').filter((line) => line.includes(dataDir))).toEqual([]);
  });
});
