import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamCall {
  readonly accountId: string;
  readonly cursor: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
}

/**
 * A small metrics upstream for the HTTP provider: `GET /accounts/:id/metrics?cursor=n` answers
 * one day of the four seed metrics per page, three pages per account (cursor 0..2, then the last
 * page again), values a pure
 * function of (account, page). Records every call and the most calls in flight per account and
 * per tenant (accounts are mapped to tenants by the test), so tests can prove pause and exclusivity.
 */
export class UpstreamStub {
  readonly calls: UpstreamCall[] = [];
  readonly tenantOf = new Map<string, string>();
  /** Answer every call after this delay (ms). */
  delayMs = 0;
  /** Account → first page that fails with 500 (earlier pages still answer). */
  readonly failFrom = new Map<string, number>();
  pages = 3;
  maxInFlightPerAccount = 0;
  readonly maxInFlightPerTenant = new Map<string, number>();
  private readonly inFlightAccount = new Map<string, number>();
  private readonly inFlightTenant = new Map<string, number>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const match = /^\/accounts\/([^/]+)\/metrics$/.exec(url.pathname);
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const accountId = decodeURIComponent(match[1]);
      const tenantId = this.tenantOf.get(accountId) ?? 'unknown';
      const cursor = url.searchParams.get('cursor');
      this.calls.push({ accountId, cursor, headers: req.headers, at: Date.now() });
      const account = this.bump(this.inFlightAccount, accountId, 1);
      const tenant = this.bump(this.inFlightTenant, tenantId, 1);
      this.maxInFlightPerAccount = Math.max(this.maxInFlightPerAccount, account);
      this.maxInFlightPerTenant.set(
        tenantId,
        Math.max(this.maxInFlightPerTenant.get(tenantId) ?? 0, tenant),
      );
      setTimeout(() => {
        this.bump(this.inFlightAccount, accountId, -1);
        this.bump(this.inFlightTenant, tenantId, -1);
        const page = cursor === null ? 0 : Number(cursor);
        if (page >= (this.failFrom.get(accountId) ?? Infinity)) {
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            // Past the last page, the last one again: the newest data is refreshed every run.
            records: pageRecords(accountId, Math.min(page, this.pages - 1)),
            next_cursor: String(Math.min(page + 1, this.pages)),
            has_more: page + 1 < this.pages,
          }),
        );
      }, this.delayMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  callsFor(tenantId: string): number {
    return this.calls.filter((call) => this.tenantOf.get(call.accountId) === tenantId).length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private bump(map: Map<string, number>, key: string, by: number): number {
    const value = (map.get(key) ?? 0) + by;
    map.set(key, value);
    return value;
  }
}

/** Day `page` of 2025-01 (one record per metric), values from the account id and page. */
export function pageRecords(accountId: string, page: number) {
  const seed = [...accountId].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  const time = new Date(Date.UTC(2025, 0, 1 + page)).toISOString();
  return [
    { metric: 'home_page_views', time, value: 100 + ((seed + page) % 50) },
    { metric: 'contact_host_clicks', time, value: (seed + page) % 7 },
    { metric: 'visitors_views', time, value: 40 + ((seed * 3 + page) % 30) },
    { metric: 'avg_occupancy_rate', time, value: ((seed + page * 13) % 100) / 100 },
  ];
}
