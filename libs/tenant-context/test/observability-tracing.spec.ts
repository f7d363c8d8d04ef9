import { context, propagation, trace } from '@opentelemetry/api';
import { ClsServiceManager } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TenantContext } from '../src/context/tenant-context';
import { startTracing, type TracingHandle } from '../src/observability';

/** A stand-in collector: records what the OTLP/HTTP exporter posts. */
function fakeCollector(): Promise<{ server: Server; url: string; posts: { path: string; body: string }[] }> {
  const posts: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, posts });
    }),
  );
}

describe('startTracing with an OTLP endpoint', () => {
  let collector: Awaited<ReturnType<typeof fakeCollector>>;
  let tracing: TracingHandle;

  beforeAll(async () => {
    collector = await fakeCollector();
    tracing = startTracing({ serviceName: 'tracing-spec', otlpEndpoint: collector.url });
  });

  afterAll(async () => {
    await tracing?.shutdown();
    await new Promise((resolve) => collector?.server.close(resolve));
  });

  it('returns the same handle when called twice', () => {
    expect(startTracing({ serviceName: 'other' })).toBe(tracing);
  });

  it('exports spans with the service name and tenant to /v1/traces', async () => {
    const ctx = new TenantContext(ClsServiceManager.getClsService());
    const tenantId = randomUUID();
    const carrier: Record<string, string> = {};
    await ctx.runWithTenant(tenantId, async () =>
      trace.getTracer('spec').startActiveSpan('exported', (span) => {
        propagation.inject(context.active(), carrier);
        span.end();
      }),
    );
    expect(carrier['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    await tracing.shutdown(); // flushes the batch processor

    const traces = collector.posts.filter((p) => p.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = traces.map((p) => p.body).join('\n');
    expect(body).toContain('"tracing-spec"');
    expect(body).toContain('"exported"');
    expect(body).toContain(tenantId);
    expect(collector.posts.every((p) => p.path === '/v1/traces')).toBe(true); // no metrics/logs
  });
});
