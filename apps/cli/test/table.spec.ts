import { runCli } from '../src/main';
import { renderTable } from '../src/table';

const endpoints = {
  tenantService: 'http://127.0.0.1:1',
  syncService: 'http://127.0.0.1:1',
  usageService: 'http://127.0.0.1:1',
  adminToken: 'x',
};

describe('admin CLI: tables and argument handling', () => {
  it('aligns columns, shows empty values as "-" and nested values as JSON', () => {
    const table = renderTable(
      [
        { slug: 'acme', plan: 'pro', domains: ['a.example', 'b.example'], limits: { accounts: 5 } },
        { slug: 'globex-corp', plan: null, domains: [], limits: {} },
      ],
      ['slug', 'plan', 'domains', 'limits'],
    );
    expect(table.split('\n')).toEqual([
      'SLUG         PLAN  DOMAINS              LIMITS',
      'acme         pro   a.example,b.example  {"accounts":5}',
      'globex-corp  -     -                    {}',
    ]);
    expect(renderTable([], ['slug'])).toBe('(none)');
  });

  it('prints help for an unknown command and names a missing argument', async () => {
    const unknown = await runCli(['tenants', 'explode'], endpoints);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('tenants create --slug <slug> --name <name>');
    const missing = await runCli(['tenants', 'create', '--slug', 'acme'], endpoints);
    expect(missing).toMatchObject({
      exitCode: 2,
      stderr: expect.stringContaining('--name is required'),
    });
    const badFlag = await runCli(['tenants', 'list', '--colour'], endpoints);
    expect(badFlag.exitCode).toBe(2);
  });

  it('reports an unreachable service as one line and a failure exit code', async () => {
    const output = await runCli(['tenants', 'list'], endpoints);
    expect(output.exitCode).toBe(1);
    expect(output.stderr).toMatch(/fetch failed/);
  });
});
