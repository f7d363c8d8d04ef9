import { trace } from '@opentelemetry/api';
import { ClsServiceManager } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options as PinoHttpOptions } from 'pino-http';
import { pino } from 'pino';
import { TenantContext } from '../src/context/tenant-context';
import { createLogger, installTestTracing, loggerModuleParams } from '../src/observability';

/** A pino destination that keeps parsed lines (pino writes synchronously to plain streams). */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (chunk: string) => void lines.push(JSON.parse(chunk)) };
  return { lines, destination, last: () => lines[lines.length - 1] ?? {} };
}

function httpOptions(): PinoHttpOptions {
  const { pinoHttp } = loggerModuleParams({ serviceName: 'svc' });
  if (!pinoHttp || Array.isArray(pinoHttp) || 'write' in pinoHttp) throw new Error('options');
  return pinoHttp;
}

function request(url: string, headers: Record<string, string | string[]> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage;
}

describe('logging', () => {
  installTestTracing();
  const ctx = new TenantContext(ClsServiceManager.getClsService());
  const tracer = trace.getTracer('observability-logging.spec');

  describe.each([
    [
      'createLogger',
      (d: ReturnType<typeof capture>['destination']) => createLogger('svc', { destination: d }),
    ],
    [
      'loggerModuleParams',
      (d: ReturnType<typeof capture>['destination']) => pino(httpOptions(), d),
    ],
  ])('%s mixin', (_name, make) => {
    it('adds tenant_id, trace_id, span_id and request_id to a line logged inside a scope', async () => {
      const out = capture();
      const logger = make(out.destination);
      const tenantId = randomUUID();
      let traceId = '';
      let spanId = '';

      await ctx.runWithTenant(
        tenantId,
        () =>
          tracer.startActiveSpan('work', async (span) => {
            ({ traceId, spanId } = span.spanContext());
            await Promise.resolve();
            logger.info('inside');
            span.end();
          }),
        { correlationId: 'req-42' },
      );

      expect(out.last()).toMatchObject({
        msg: 'inside',
        service: 'svc',
        level: 'info',
        tenant_id: tenantId,
        request_id: 'req-42',
        trace_id: traceId,
        span_id: spanId,
      });
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    });

    it('reads the scope at log time, so a logger created outside a scope still gets it', async () => {
      const out = capture();
      const logger = make(out.destination).child({ component: 'relay' });
      const tenantId = randomUUID();

      await ctx.runWithTenant(tenantId, async () => logger.info('from child'));
      logger.info('outside');

      expect(out.lines[0]).toMatchObject({ tenant_id: tenantId, component: 'relay' });
      expect(out.lines[1]).not.toHaveProperty('tenant_id');
      expect(out.lines[1]).not.toHaveProperty('request_id');
      expect(out.lines[1]).not.toHaveProperty('trace_id');
    });

    it('marks system scope lines', async () => {
      const out = capture();
      const logger = make(out.destination);
      await ctx.asSystem('migration', async () => logger.info('sys'));
      expect(out.last()).toMatchObject({ tenant_scope: 'system', request_id: expect.any(String) });
      expect(out.last()).not.toHaveProperty('tenant_id');
    });

    it('redacts credentials', () => {
      const out = capture();
      const logger = make(out.destination);
      logger.info(
        {
          req: {
            headers: {
              authorization: 'Bearer sekret-1',
              cookie: 'sid=sekret-2',
              'x-api-key': 'sekret-3',
              accept: '*/*',
            },
          },
          credentials: { user: 'ann', password: 'sekret-4' },
          user: { name: 'ann', password: 'sekret-5', apiKey: 'sekret-6', token: 'sekret-7' },
          token: 'sekret-8',
          headers: { authorization: 'Basic sekret-9' },
        },
        'secrets',
      );

      const raw = JSON.stringify(out.last());
      expect(raw).not.toMatch(/sekret/);
      expect(out.last()).toMatchObject({
        req: {
          headers: {
            authorization: '[redacted]',
            cookie: '[redacted]',
            'x-api-key': '[redacted]',
            accept: '*/*',
          },
        },
        user: { name: 'ann', password: '[redacted]' },
      });
      // `credentials` is itself a secret key, so the whole object is censored, password included.
      expect(out.last()['credentials']).toBe('[redacted]');
    });
  });

  describe('pino-http options', () => {
    const options = httpOptions();
    const genReqId = options.genReqId!;
    const res = {} as ServerResponse;

    it('honours a well-formed x-correlation-id', () => {
      expect(genReqId(request('/x', { 'x-correlation-id': 'abc-123:4.5_6' }), res)).toBe(
        'abc-123:4.5_6',
      );
    });

    it.each([
      ['malformed', 'bad id\n{"level":"fatal"}'],
      ['too long', 'a'.repeat(129)],
      ['empty', ''],
      ['repeated', ['a', 'b']],
    ])('replaces a %s x-correlation-id with a uuid', (_case, value) => {
      const id = genReqId(request('/x', { 'x-correlation-id': value }), res);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('skips automatic request logs for /health only', () => {
      const autoLogging = options.autoLogging;
      if (typeof autoLogging !== 'object' || !autoLogging.ignore) throw new Error('no ignore');
      expect(autoLogging.ignore(request('/health'))).toBe(true);
      expect(autoLogging.ignore(request('/health/ready?x=1'))).toBe(true);
      expect(autoLogging.ignore(request('/healthcare'))).toBe(false);
      expect(autoLogging.ignore(request('/tenants'))).toBe(false);
    });
  });
});
