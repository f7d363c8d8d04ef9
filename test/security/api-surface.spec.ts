import { randomBytes, randomUUID } from 'node:crypto';
import { uniqueName, waitFor } from '@tenantbus/testing';
import type { ServiceName } from '../support/stack';
import { rowCensus } from './support/database-census';
import { fillPath, fuzzCases, queryString } from './support/fuzz-inputs';
import { scanRun } from './support/run-scan';
import {
  committedOpenApi,
  documentedInputs,
  serviceRoutes,
  toOpenApiPath,
  type ServiceRoute,
} from './support/service-routes';
import { startSecurityStack, type Answer, type SecurityStack } from './support/security-stack';
import {
  bearer,
  issueKey,
  provisionTenant,
  awaitTenantsEverywhere,
  type SecurityTenant,
} from './support/tenants';

const SERVICES: ServiceName[] = ['tenant-service', 'sync-service', 'usage-service'];
const BASE_DOMAIN = 'sec.tenantbus.test';
/** The only routes that answer without a credential; they must carry nothing tenant-scoped. */
const PUBLIC_ROUTES = /^\/(health\/(live|ready)|metrics|docs(-json|-yaml|\/.*)?)$/;
const FUZZ_SEED = 20261125;
const FUZZ_RUNS_PER_ROUTE = Number(process.env.SECURITY_FUZZ_RUNS ?? 24);
/** An id no tenant has, in each parameter's shape. */
const UNKNOWN_ID = '00000000-0000-4000-8000-00000000beef';

/** Bodies that pass validation, so a cross-tenant call reaches the lookup it must fail. */
const VALID_BODIES: Record<string, (other: SecurityTenant) => unknown> = {
  'PATCH /api/v1/accounts/:id': () => ({ display_name: 'hijacked' }),
  'POST /api/v1/customers/:customerId/accounts/bulk-assign': (other) => ({
    from_customer_id: other.id,
    account_ids: ['acct-b1'],
  }),
};

/** Required query parameters, so a cross-tenant read gets past validation to the lookup. */
const VALID_QUERIES: Record<string, string> = {
  'GET /api/v1/customers/:customerId/metrics/aggregate':
    '?start_date=2026-01-01&end_date=2026-02-01',
  'GET /api/v1/usage': '?meter=api.requests&from=2026-01-01T00:00:00Z',
  'GET /api/v1/admin/usage/top': '?meter=api.requests&from=2026-01-01T00:00:00Z',
};

const routeKey = (route: ServiceRoute) => `${route.method} ${route.path}`;
const writes = (route: ServiceRoute) => !['GET', 'HEAD'].includes(route.method);

/**
 * Every REST route of every service, read from the real application modules, attacked through
 * the running services: credentials, tenant switching, cross-tenant ids, fuzzed input, and the
 * other probes an auditor of a multi-tenant API makes. The run ends with a scan of every answer,
 * log line and span for secrets.
 */
describe('security: the API surface of every service', () => {
  let s: SecurityStack;
  const routes: ServiceRoute[] = [];
  let owner: SecurityTenant;
  let other: SecurityTenant;
  let fuzzer: SecurityTenant;
  let revokedKey: string;
  let expiredKey: string;
  let readOnlyKey: string;
  const ownerDomain = `${uniqueName('own').replace(/_/g, '-')}.example`;
  const ids: Record<ServiceName, Record<string, string>> = {
    'tenant-service': {},
    'sync-service': {},
    'usage-service': {},
  };
  const counts = { routes: 0, requests: 0, fuzzCases: 0 };
  const call = async (service: ServiceName, request: Parameters<SecurityStack['send']>[1]) => {
    counts.requests += 1;
    return s.send(service, request);
  };

  const pathFor = (route: ServiceRoute, values: Record<string, string>) =>
    fillPath(
      route.path,
      Object.fromEntries(route.params.map((p) => [p, values[p] ?? UNKNOWN_ID])),
    ) + (VALID_QUERIES[routeKey(route)] ?? '');
  const ownerPath = (route: ServiceRoute) => pathFor(route, ids[route.service]);
  const unknownPath = (route: ServiceRoute) => pathFor(route, {});
  const guarded = () => routes.filter((route) => route.scope !== 'public');
  const ofScope = (scope: ServiceRoute['scope']) => routes.filter((route) => route.scope === scope);
  /** A, B, their account ids and slugs must never show up in an answer to someone else. */
  const ownerMarks = () => [owner.id, owner.slug, 'acct-a1', ownerDomain];

  beforeAll(async () => {
    for (const service of SERVICES) routes.push(...(await serviceRoutes(service)));
    counts.routes = routes.length;
    s = await startSecurityStack({
      'tenant-service': { BASE_DOMAIN },
      // Quiet services: no scheduled syncs, and request metering stays in memory during the run,
      // so the row census sees only what the attacks wrote.
      'sync-service': { BASE_DOMAIN, SYNC_SCHEDULER_ENABLED: 'false', USAGE_FLUSH_MS: '600000' },
      'usage-service': { BASE_DOMAIN },
    });
    const run = uniqueName('sec').replace(/_/g, '-');
    [owner, other, fuzzer] = await Promise.all(
      ['a', 'b', 'f'].map((name) => provisionTenant(s, `${run}-${name}`)),
    );
    await awaitTenantsEverywhere(s, [owner.id, other.id, fuzzer.id]);

    const revoked = await issueKey(s, owner.id, { name: 'revoked' });
    expect(
      (
        await s.admin(
          'tenant-service',
          'DELETE',
          `/api/v1/tenants/${owner.id}/api-keys/${revoked.id}`,
        )
      ).status,
    ).toBe(200);
    revokedKey = revoked.key;
    const soon = new Date(Date.now() + 1_500).toISOString();
    expiredKey = (await issueKey(s, owner.id, { name: 'expiring', expiresAt: soon })).key;
    readOnlyKey = (await issueKey(s, owner.id, { name: 'read-only', role: 'read_only' })).key;

    const domain = await s.admin('tenant-service', 'POST', `/api/v1/tenants/${owner.id}/domains`, {
      hostname: ownerDomain,
    });
    expect(domain.status).toBe(201);
    const member = await s.admin<{ id: string }>(
      'tenant-service',
      'POST',
      `/api/v1/tenants/${owner.id}/members`,
      {
        email: `owner-${run}@example.com`,
        role: 'member',
      },
    );
    expect(member.status).toBe(201);
    const invitation = await s.admin<{ id: string; token: string }>(
      'tenant-service',
      'POST',
      `/api/v1/tenants/${owner.id}/invitations`,
      { email: `invitee-${run}@example.com`, role: 'member' },
    );
    expect(invitation.status).toBe(201);
    s.secrets.add('invitation token', invitation.body.token, invitation);
    const plan = await s.admin('tenant-service', 'PUT', '/api/v1/plans/sec-plan', {
      name: 'Security',
      limits: { requests_per_second: 1_000 },
    });
    expect(plan.status).toBe(200);

    for (const [tenant, account] of [
      [owner, 'acct-a1'],
      [other, 'acct-b1'],
    ] as const) {
      const created = await call('sync-service', {
        method: 'POST',
        path: '/api/v1/accounts',
        headers: bearer(tenant.key),
        body: {
          account_id: account,
          display_name: `${tenant.slug} account`,
          airbnb_cookie: s.secrets.add(
            `${account} cookie`,
            `cookie-${randomBytes(18).toString('hex')}`,
          ),
          credentials: {
            token: s.secrets.add(`${account} token`, `tok-${randomBytes(18).toString('hex')}`),
          },
        },
      });
      expect(created.status).toBe(201);
    }
    ids['tenant-service'] = {
      id: owner.id,
      idOrSlug: owner.slug,
      hostname: ownerDomain,
      keyId: owner.keyId,
      memberId: member.body.id,
      invitationId: invitation.body.id,
      code: 'sec-plan',
    };
    ids['sync-service'] = { id: 'acct-a1', customerId: owner.id, tenantId: owner.id };
    ids['usage-service'] = { tenantId: owner.id };
    // The expiring key has expired by now (the setup above takes longer than 1.5 s; make sure).
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(soon) - Date.now() + 50)),
    );
  }, 180_000);

  afterAll(async () => {
    await s?.stop();
  });

  it('enumerates every route from the routers, each documented in its OpenAPI document and vice versa', () => {
    for (const service of SERVICES) {
      const own = routes.filter((route) => route.service === service);
      expect(own.length).toBeGreaterThan(3);
      const documented = Object.entries(committedOpenApi(service).paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const served = own
        .filter((route) => route.scope !== 'public')
        .map((route) => `${route.method} ${toOpenApiPath(route.path)}`);
      expect(served.sort()).toEqual([...documented].sort());
    }
    // Public means: no credential at all. Only the allowlist may be public.
    expect(ofScope('public').filter((route) => !PUBLIC_ROUTES.test(route.path))).toEqual([]);
  });

  it('public routes answer without a credential and carry nothing tenant-scoped', async () => {
    for (const route of ofScope('public')) {
      const res = await call(route.service, { method: route.method, path: route.path });
      // Answered (a Swagger asset may be missing: 404), never refused for want of a credential.
      expect({
        route: routeKey(route),
        refused: [401, 403].includes(res.status) || res.status >= 500,
      }).toEqual({
        route: routeKey(route),
        refused: false,
      });
      const text = JSON.stringify(res.headers) + res.text;
      expect(ownerMarks().filter((mark) => text.includes(mark))).toEqual([]);
    }
  });

  /** Calls routes with a credential and lists those whose status is not the expected one. */
  const misfits = async (
    list: ServiceRoute[],
    headers: Record<string, string>,
    expected: number,
  ) => {
    const wrong: string[] = [];
    for (const route of list) {
      const res = await call(route.service, {
        method: route.method,
        path: ownerPath(route),
        headers,
        body: VALID_BODIES[routeKey(route)]?.(other),
      });
      if (res.status !== expected)
        wrong.push(`${route.service} ${routeKey(route)} → ${res.status} ${res.text.slice(0, 200)}`);
    }
    return wrong;
  };

  it('no credential, a malformed one, a forged key, a revoked key, an expired key → 401 on every guarded route', async () => {
    const forged = `${owner.key.slice(0, -6)}AAAAAA`;
    const credentials: Record<string, string>[] = [
      {},
      bearer('not-a-token-at-all-0123456789'),
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { 'x-api-key': forged },
      bearer('tb_nonsense'),
      bearer(revokedKey),
      { 'x-api-key': expiredKey },
    ];
    for (const headers of credentials) {
      expect(await misfits(guarded(), headers, 401)).toEqual([]);
    }
  });

  it("a tenant key on admin routes → 403; another tenant's key on this tenant's ids → the same answer as for an id nobody has", async () => {
    expect(await misfits(ofScope('system'), bearer(other.key), 403)).toEqual([]);
    const leaks: string[] = [];
    for (const route of ofScope('tenant')) {
      const send = (path: string) =>
        call(route.service, {
          method: route.method,
          path,
          headers: bearer(other.key),
          body: VALID_BODIES[routeKey(route)]?.(other),
        });
      const [onOwner, onNobody] = route.params.length
        ? [await send(ownerPath(route)), await send(unknownPath(route))]
        : [await send(ownerPath(route)), undefined];
      const text = onOwner.text.replaceAll(ownerPath(route), '');
      const shown = ownerMarks().filter(
        (mark) => text.includes(mark) && !ownerPath(route).includes(mark),
      );
      if (shown.length) leaks.push(`${routeKey(route)} shows ${shown.join(', ')}`);
      if (onNobody) {
        const shape = (res: Answer) => `${res.status} ${(res.body as { code?: string })?.code}`;
        if (shape(onOwner) !== shape(onNobody))
          leaks.push(
            `${routeKey(route)}: ${shape(onOwner)} for the owner's id, ${shape(onNobody)} for nobody's`,
          );
        if (![403, 404].includes(onOwner.status))
          leaks.push(`${routeKey(route)} → ${onOwner.status} ${onOwner.text}`);
      }
    }
    expect(leaks).toEqual([]);
    // Nothing of A's changed under B's attempts.
    const account = await call('sync-service', {
      path: '/api/v1/accounts/acct-a1',
      headers: bearer(owner.key),
    });
    expect(account.body).toMatchObject({
      account_id: 'acct-a1',
      display_name: `${owner.slug} account`,
    });
  });

  it('x-tenant-id, the tenant subdomain and a custom domain never switch an unauthenticated or tenant-key caller into another tenant', async () => {
    const switches: Record<string, string>[] = [
      { 'x-tenant-id': owner.id },
      { 'x-tenant-id': owner.id, ...bearer(other.key) },
      { 'x-tenant-id': `${other.id}, ${owner.id}`, ...bearer(other.key) },
      { host: `${owner.slug}.${BASE_DOMAIN}` },
      { host: `${owner.slug}.${BASE_DOMAIN}`, ...bearer('not-a-token-at-all-0123456789') },
      { host: `${owner.slug}.${BASE_DOMAIN}`, ...bearer(other.key) },
      { host: ownerDomain },
      { host: ownerDomain, ...bearer(other.key) },
      { host: `${owner.slug.toUpperCase()}.${BASE_DOMAIN}.:443`, ...bearer(other.key) },
    ];
    const crossed: string[] = [];
    for (const headers of switches) {
      for (const route of ofScope('tenant')) {
        const res = await call(route.service, {
          method: route.method,
          path: ownerPath(route),
          headers,
          body: VALID_BODIES[routeKey(route)]?.(other),
        });
        if (res.status < 400 || res.status >= 500)
          crossed.push(
            `${JSON.stringify(headers)} ${route.service} ${routeKey(route)} → ${res.status}`,
          );
      }
    }
    expect(crossed).toEqual([]);
    // The same inputs do work for the owner's own credential, and for an admin: the refusals above
    // are about who asks, not a broken route.
    const me = await call('tenant-service', {
      path: '/api/v1/me',
      headers: { host: `${owner.slug}.${BASE_DOMAIN}`, ...bearer(owner.key) },
    });
    expect(me.body).toMatchObject({ id: owner.id });
    const asAdmin = await call('tenant-service', {
      path: '/api/v1/me',
      headers: { 'x-tenant-id': owner.id, ...bearer(s.adminToken) },
    });
    expect(asAdmin.body).toMatchObject({ id: owner.id });
  });

  it('customer_id and tenant ids in queries and bodies cannot reach another tenant (IDOR, mass assignment)', async () => {
    const asOther = (service: ServiceName, method: string, path: string, body?: unknown) =>
      call(service, { method, path, body, headers: bearer(other.key) });
    const refused = [
      await asOther('sync-service', 'GET', `/api/v1/accounts?customer_id=${owner.id}`),
      await asOther(
        'sync-service',
        'GET',
        `/api/v1/accounts/acct-a1/metrics?customer_id=${owner.id}`,
      ),
      await asOther('sync-service', 'POST', '/api/v1/accounts', {
        account_id: 'idor-1',
        customer_id: owner.id,
      }),
      await asOther('sync-service', 'POST', '/api/v1/accounts', {
        account_id: 'idor-2',
        tenant_id: owner.id,
      }),
      await asOther('sync-service', 'POST', '/api/v1/accounts', {
        account_id: 'idor-3',
        tenantId: owner.id,
      }),
      await asOther('sync-service', 'PATCH', '/api/v1/accounts/acct-b1', { customer_id: owner.id }),
      await asOther('sync-service', 'PATCH', '/api/v1/accounts/acct-b1', { tenant_id: owner.id }),
      await asOther(
        'sync-service',
        'GET',
        `/api/v1/usage?meter=api.requests&from=2026-01-01T00:00:00Z&tenant_id=${owner.id}`,
      ),
    ];
    expect(
      refused.map((res) => res.status).filter((status) => status < 400 || status >= 500),
    ).toEqual([]);
    // A usage event naming another tenant in its payload is metered (if at all) for the caller only.
    const eventId = randomUUID();
    const event = await asOther('usage-service', 'POST', '/api/v1/events', {
      id: eventId,
      type: 'jobs.completed',
      source: 'security',
      time: new Date().toISOString(),
      tenantId: owner.id,
      tenant_id: owner.id,
      data: { queue: 'idor' },
    });
    expect(event.status).toBe(202);
    const metered = await waitFor(
      async () =>
        (
          await s.stack.databases['usage-service'].query<{ tenant_id: string }>(
            'select tenant_id from usage_event where event_id = $1',
            [eventId],
          )
        )[0],
      { timeoutMs: 30_000, what: 'the event ingested' },
    );
    expect(metered.tenant_id).toBe(other.id);
    const accounts = await call('sync-service', {
      path: '/api/v1/accounts',
      headers: bearer(owner.key),
    });
    expect((accounts.body as unknown as { account_id: string }[]).map((a) => a.account_id)).toEqual(
      ['acct-a1'],
    );
  });

  it('a read-only key reads but cannot write', async () => {
    const read = await call('sync-service', {
      path: '/api/v1/accounts',
      headers: bearer(readOnlyKey),
    });
    expect(read.status).toBe(200);
    const write = await call('sync-service', {
      method: 'POST',
      path: '/api/v1/accounts',
      headers: bearer(readOnlyKey),
      body: { account_id: 'by-read-only' },
    });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ code: 'API_KEY_READ_ONLY' });
  });

  it('oversized bodies → 413, broken JSON and other content types → 4xx, paths with traversal and bad escapes → 4xx; nothing written', async () => {
    const before = await rowCensus(s.stack);
    const key = bearer(fuzzer.key);
    const odd: [ServiceName, Parameters<SecurityStack['send']>[1]][] = [
      [
        'sync-service',
        {
          method: 'POST',
          path: '/api/v1/accounts',
          headers: { ...key, 'content-type': 'application/json' },
          body: `{"account_id":"${'x'.repeat(200_000)}"}`,
        },
      ],
      [
        'usage-service',
        {
          method: 'POST',
          path: '/api/v1/events',
          headers: { ...key, 'content-type': 'application/json' },
          body: `[${'1,'.repeat(600_000)}1]`,
        },
      ],
      [
        'tenant-service',
        {
          method: 'POST',
          path: '/api/v1/tenants',
          headers: { ...bearer(s.adminToken), 'content-type': 'application/json' },
          body: `{"name":"${'x'.repeat(200_000)}"}`,
        },
      ],
    ];
    for (const [service, request] of odd) expect((await call(service, request)).status).toBe(413);
    /** A body an account create would accept, dressed in the wrong or a lying content type. */
    const posted = (contentType: string, body: string, extra: Record<string, string> = {}) => ({
      method: 'POST',
      path: '/api/v1/accounts',
      headers: { ...key, 'content-type': contentType, ...extra },
      body,
    });
    const confused: Parameters<SecurityStack['send']>[1][] = [
      posted('text/plain', '{"account_id":"ct-1"}'),
      posted('application/x-www-form-urlencoded', 'account_id=ct-2'),
      posted('application/json; charset=utf-16', '{"account_id":"ct-3"}'),
      posted('application/json', '{"account_id":"ct-4",'),
      posted('application/json', '{"account_id":', { 'x-http-method-override': 'DELETE' }),
      ...[
        '/api/v1/accounts/..%2f..%2f..%2fetc%2fpasswd',
        '/api/v1/accounts/%2e%2e',
        '/api/v1/accounts/%ED%A0%80',
        '/api/v1/accounts/%',
        '/api/v1/accounts/%C0%AE%C0%AE',
        '/api/v1/customers/%00/accounts',
      ].map((path) => ({ method: 'GET', path, headers: key })),
      { method: 'DELETE', path: '/api/v1/accounts/acct-a1%00', headers: key },
      { method: 'TRACE', path: '/api/v1/accounts', headers: key },
    ];
    const answers = [];
    for (const request of confused)
      answers.push([request.path, (await call('sync-service', request)).status]);
    expect(answers.filter(([, status]) => Number(status) < 400 || Number(status) >= 500)).toEqual(
      [],
    );
    expect(await rowCensus(s.stack)).toEqual(before);
  });

  it('responses carry no framework fingerprint and no permissive CORS', async () => {
    for (const service of SERVICES) {
      const res = await call(service, {
        method: 'OPTIONS',
        path: '/api/v1/me',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const health = await call(service, {
        path: '/health/live',
        headers: { origin: 'https://evil.example' },
      });
      expect(health.headers['x-powered-by']).toBeUndefined();
      expect(health.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it(`fuzzed path parameters, query strings and bodies on every route → only 4xx, and nothing written`, async () => {
    const before = await rowCensus(s.stack);
    const failures: string[] = [];
    for (const [index, route] of routes.entries()) {
      const document = committedOpenApi(route.service);
      const inputs = { params: route.params, ...documentedInputs(document, route) };
      const headers =
        route.scope === 'system'
          ? bearer(s.adminToken)
          : route.scope === 'tenant'
            ? bearer(fuzzer.key)
            : {};
      const cases = fuzzCases(inputs, {
        writes: writes(route),
        runs: FUZZ_RUNS_PER_ROUTE,
        seed: FUZZ_SEED + index,
      });
      for (const fuzzCase of cases) {
        counts.fuzzCases += 1;
        const res = await call(route.service, {
          method: route.method,
          path: fillPath(route.path, fuzzCase.params) + queryString(fuzzCase.query),
          headers:
            fuzzCase.body === undefined
              ? headers
              : { ...headers, 'content-type': 'application/json' },
          body:
            fuzzCase.body === undefined || typeof fuzzCase.body === 'string'
              ? fuzzCase.body
              : JSON.stringify(fuzzCase.body),
        });
        const ok =
          route.scope === 'public' || !writes(route)
            ? res.status < 500
            : res.status >= 400 && res.status < 500;
        if (!ok)
          failures.push(
            `${route.service} ${routeKey(route)} → ${res.status} ${res.text.slice(0, 200)} for ${JSON.stringify(fuzzCase).slice(0, 300)}`,
          );
      }
    }
    expect(failures).toEqual([]);
    expect(await rowCensus(s.stack)).toEqual(before);
  }, 240_000);

  it('no secret appears in any answer, log line (trace level) or span of the whole run', async () => {
    await s.stopServices();
    const report = scanRun(s);
    expect(report.sightings).toEqual([]);
    expect(report.scanned.logLines).toBeGreaterThan(100);
    expect(report.scanned.spans).toBeGreaterThan(10);
    process.stdout.write(
      `security api-surface: ${JSON.stringify({ ...counts, byScope: { public: ofScope('public').length, tenant: ofScope('tenant').length, system: ofScope('system').length }, secrets: s.secrets.size, scanned: report.scanned })}\n`,
    );
  });
});
