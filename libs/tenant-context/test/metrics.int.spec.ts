import {
  Catch,
  Controller,
  Get,
  NotFoundException,
  Param,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import type { AddressInfo } from 'node:net';
import { PublicRoute } from '../src/http/scope.decorators';
import { MetricsModule } from '../src/metrics';

class ItemLockedError extends Error {}

/** Stands in for the app's error mapping: the status is decided after the handler threw. */
@Catch(ItemLockedError)
class ItemLockedFilter implements ExceptionFilter {
  catch(_error: ItemLockedError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(409).json({ code: 'ITEM_LOCKED' });
  }
}

@Controller()
@PublicRoute()
class ItemsController {
  @Get('items/:id')
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('gone/:id')
  gone(): never {
    throw new NotFoundException();
  }

  @Get('locked/:id')
  @UseFilters(ItemLockedFilter)
  locked(): never {
    throw new ItemLockedError('locked');
  }

  @Get('health/live')
  live() {
    return { ok: true };
  }
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads the Prometheus text format line by line (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${name}${JSON.stringify(labels)} sample, found ${found.length}`);
  }
  return found[0].value;
}

async function startApp(
  serviceName: string,
  globalPrefix?: string,
): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [MetricsModule.forRoot({ serviceName })],
    controllers: [ItemsController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (globalPrefix) {
    app.setGlobalPrefix(globalPrefix, { exclude: ['metrics', 'health/{*path}'] });
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

async function scrape(base: string): Promise<{ contentType: string | null; samples: Sample[] }> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return {
    contentType: response.headers.get('content-type'),
    samples: parseExposition(await response.text()),
  };
}

describe('MetricsModule over HTTP (no NATS, no Postgres)', () => {
  let first: { app: INestApplication; base: string };
  let second: { app: INestApplication; base: string };
  let contentType: string | null;
  let samples: Sample[];
  let text: string;

  beforeAll(async () => {
    // Two apps in one process: each must own its registry, or the second would throw on
    // "metric already registered" and the two would mix their counts.
    first = await startApp('t');
    second = await startApp('u');

    const statuses = await Promise.all(
      ['/items/abc-123', '/items/42', '/gone/7781', '/locked/5150', '/nope/99887', '/health/live']
        .map((path) => fetch(`${first.base}${path}?q=secret-query`))
        .map(async (pending) => (await pending).status),
    );
    expect(statuses).toEqual([200, 200, 404, 409, 404, 200]);
    await fetch(`${first.base}/metrics`);

    const response = await fetch(`${first.base}/metrics`);
    contentType = response.headers.get('content-type');
    text = await response.text();
    samples = parseExposition(text);
  });

  afterAll(async () => {
    await first?.app.close();
    await second?.app.close();
  });

  it('serves the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it('counts requests per route pattern, method and status', () => {
    const item = { method: 'GET', route: '/items/:id' };
    expect(valueOf(samples, 'http_requests_total', { ...item, status: '200' })).toBe(2);
    expect(
      valueOf(samples, 'http_request_duration_seconds_count', { ...item, status: '200' }),
    ).toBe(2);
    expect(
      valueOf(samples, 'http_request_duration_seconds_bucket', {
        ...item,
        status: '200',
        le: '+Inf',
      }),
    ).toBe(2);
    expect(
      valueOf(samples, 'http_request_duration_seconds_sum', { ...item, status: '200' }),
    ).toBeGreaterThan(0);
  });

  it('counts errors with the status the exception filters gave them', () => {
    expect(
      valueOf(samples, 'http_requests_total', { route: '/gone/:id', status: '404', method: 'GET' }),
    ).toBe(1);
    expect(
      valueOf(samples, 'http_requests_total', {
        route: '/locked/:id',
        status: '409',
        method: 'GET',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'http_requests_total', { route: 'unmatched', status: '404', method: 'GET' }),
    ).toBe(1);
  });

  it('never labels by raw URL, query or tenant', () => {
    const httpSamples = samples.filter((sample) => sample.name.startsWith('http_request'));
    expect(httpSamples.length).toBeGreaterThan(0);
    for (const raw of ['abc-123', '42', '7781', '5150', '99887', 'secret-query']) {
      expect(
        httpSamples.filter((s) => Object.values(s.labels).some((v) => v.includes(raw))),
      ).toEqual([]);
    }
    const labelNames = new Set(httpSamples.flatMap((sample) => Object.keys(sample.labels)));
    expect([...labelNames].sort()).toEqual(['le', 'method', 'route', 'service', 'status']);
  });

  it('skips the scrape endpoint and health probes', () => {
    const routes = new Set(
      samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route),
    );
    expect([...routes].sort()).toEqual(['/gone/:id', '/items/:id', '/locked/:id', 'unmatched']);
  });

  it('exposes the default process metrics', () => {
    expect(samples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((sample) => sample.name.startsWith('nodejs_'))).toBe(true);
  });

  it('labels every series with the service', () => {
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((sample) => sample.labels.service !== 't')).toEqual([]);
  });

  it('keeps each app on its own registry', async () => {
    const { contentType: secondType, samples: secondSamples } = await scrape(second.base);
    expect(secondType).toBe(contentType);
    expect(secondSamples.filter((s) => s.name === 'http_requests_total')).toEqual([]);
    expect(secondSamples.filter((sample) => sample.labels.service !== 'u')).toEqual([]);
    expect(secondSamples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('labels by the full pattern, global prefix included', async () => {
    const prefixed = await startApp('p', 'api/v1');
    try {
      expect((await fetch(`${prefixed.base}/api/v1/items/31337`)).status).toBe(200);
      expect((await fetch(`${prefixed.base}/health/live`)).status).toBe(200);
      const { samples: prefixedSamples } = await scrape(prefixed.base);
      const counted = prefixedSamples.filter((s) => s.name === 'http_requests_total');
      expect(counted.map((s) => [s.labels.route, s.labels.status, s.value])).toEqual([
        ['/api/v1/items/:id', '200', 1],
      ]);
    } finally {
      await prefixed.app.close();
    }
  });
});
