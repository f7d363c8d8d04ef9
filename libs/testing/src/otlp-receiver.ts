import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One exported span, flattened, with the `service.name` of the process that sent it. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean | undefined>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans: {
      spans: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: OtlpAttribute[] })[];
    }[];
  }[];
}

export interface OtlpReceiver {
  /** Give this to services as `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /** Every request, in arrival order (traces at `/v1/traces`, anything else a test sends). */
  readonly received: ReceivedRequest[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

function attributes(list: OtlpAttribute[] = []): ReceivedSpan['attributes'] {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
        value.doubleValue ??
        value.boolValue,
    ]),
  );
}

/** A stand-in OpenTelemetry collector: accepts OTLP/HTTP JSON and keeps what it got. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    spans: () =>
      received
        .filter((request) => request.path === '/v1/traces')
        .flatMap((request) => (JSON.parse(request.body) as OtlpExport).resourceSpans)
        .flatMap((resourceSpans) => {
          const service = String(attributes(resourceSpans.resource?.attributes)['service.name']);
          return resourceSpans.scopeSpans.flatMap((scope) =>
            scope.spans.map((span) => ({
              ...span,
              service,
              attributes: attributes(span.attributes),
            })),
          );
        }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
