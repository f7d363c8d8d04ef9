import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@tenantbus/testing';
import { TENANT_SPAN_ATTRIBUTES } from '../src/observability';

/*
 * The OTLP/HTTP exporter loads `http` with a dynamic import(), which jest's VM refuses without
 * --experimental-vm-modules. So the traced code runs in a child Node process (TypeScript
 * compiled on require with @swc/core, as jest does) and this test plays the collector.
 */

const ROOT = join(__dirname, '../../..');

const CHILD = `
const Module = require('node:module');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');
const root = ${JSON.stringify(ROOT)};
const swcrc = JSON.parse(fs.readFileSync(root + '/.swcrc', 'utf8'));
const aliases = {
  '@tenantbus/contracts': root + '/libs/contracts/src',
  '@tenantbus/tenant-context': root + '/libs/tenant-context/src',
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases[request] ?? request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  module._compile(transformSync(source, { ...swcrc, swcrc: false, filename }).code, filename);
};

const { startTracing } = require(root + '/libs/tenant-context/src/observability');
const tracing = startTracing({ serviceName: 'export-spec', otlpEndpoint: process.env.COLLECTOR });
// Loaded after startTracing, as main.ts must do, so the instrumentations have patched them.
const http = require('node:http');
const pg = require('pg');
const { trace } = require('@opentelemetry/api');
const { ClsServiceManager } = require('nestjs-cls');
const { TenantContext } = require(root + '/libs/tenant-context/src/context/tenant-context');

const tracer = trace.getTracer('export-spec');
// A parent span per query, so the test can tell the two pg spans apart by parentSpanId.
const query = (db, name, sql = 'select 1') =>
  tracer.startActiveSpan(name, async (span) => {
    try {
      await db.query(sql);
    } finally {
      span.end();
    }
  });

(async () => {
  const ctx = new TenantContext(ClsServiceManager.getClsService());
  await ctx.runWithTenant(process.env.TENANT, () =>
    tracer.startActiveSpan('handle-job', async (span) => {
      await new Promise((done, fail) =>
        http.get(process.env.COLLECTOR + '/downstream', (res) => res.resume().on('end', done)).on('error', fail),
      );
      span.end();
    }),
    { correlationId: 'corr-export' },
  );

  const db = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await db.connect(); // outside any scope: the connection itself belongs to no tenant
    await query(db, 'unscoped-query');
    const sql = "select 'a tenant''s secret' as value, 1 as n";
    await ctx.runWithTenant(process.env.PG_TENANT, () => query(db, 'tenant-query', sql), {
      correlationId: 'corr-pg',
    });
  } finally {
    await db.end();
    await tracing.shutdown();
  }
})().catch((error) => { console.error(error); process.exit(1); });
`;

function runChild(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['-e', CHILD],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(),
    ),
  );
}

describe('startTracing with an OTLP endpoint (child process)', () => {
  let collector: OtlpReceiver;
  const tenantId = randomUUID();
  // A second tenant for the database scope, so a stale or constant tenant would show.
  const pgTenantId = randomUUID();

  beforeAll(async () => {
    collector = await startOtlpReceiver();
    await runChild({
      COLLECTOR: collector.url,
      TENANT: tenantId,
      PG_TENANT: pgTenantId,
      DATABASE_URL:
        process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
  }, 40_000);

  afterAll(() => collector?.close());

  const exported = () => collector.spans();

  it('posts traces only (no metrics or logs) to <endpoint>/v1/traces', () => {
    const paths = new Set(collector.received.map((r) => r.path));
    expect(paths).toEqual(new Set(['/downstream', '/v1/traces']));
    expect(new Set(exported().map((span) => span.service))).toEqual(new Set(['export-spec']));
  });

  it('stamps the tenant on our span and on the instrumented HTTP client span', () => {
    const spans = exported();
    const job = spans.find((s) => s.name === 'handle-job');
    // pg spans are CLIENT spans too: take the one under handle-job.
    const client = spans.find((s) => s.kind === 3 /* CLIENT */ && s.parentSpanId === job?.spanId);
    for (const span of [job, client]) {
      expect(span && span.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(tenantId);
      expect(span && span.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toBe('corr-export');
    }
    expect(client?.traceId).toBe(job?.traceId);
  });

  it('propagates W3C trace context on the outgoing request', () => {
    const downstream = collector.received.find((r) => r.path === '/downstream');
    const traceId = exported().find((s) => s.name === 'handle-job')?.traceId;
    expect(downstream?.headers['traceparent']).toMatch(
      new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
    );
  });

  describe('instrumented Postgres query', () => {
    const pgQueryUnder = (parentName: string): ReceivedSpan | undefined => {
      const spans = exported();
      const parent = spans.find((s) => s.name === parentName);
      return spans.find(
        (s) => s.name.startsWith('pg.query') && parent && s.parentSpanId === parent.spanId,
      );
    };

    it('stamps the tenant and correlation id on a pg span started inside a tenant scope', () => {
      const query = pgQueryUnder('tenant-query');
      expect(query?.kind).toBe(3 /* CLIENT */);
      expect(query && query.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBe(pgTenantId);
      expect(query && query.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toBe('corr-pg');
    });

    it("keeps the statement's shape, not the values inlined into it", () => {
      const query = pgQueryUnder('tenant-query');
      expect(query && query.attributes['db.query.text']).toBe('select ? as value, 1 as n');
    });

    it('leaves tenant.id off a pg span started outside any scope', () => {
      const query = pgQueryUnder('unscoped-query');
      expect(query).toBeDefined();
      expect(query && query.attributes[TENANT_SPAN_ATTRIBUTES.tenantId]).toBeUndefined();
      expect(query && query.attributes[TENANT_SPAN_ATTRIBUTES.correlationId]).toBeUndefined();
    });
  });
});
