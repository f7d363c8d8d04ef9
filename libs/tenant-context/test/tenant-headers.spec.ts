import { ClsServiceManager } from 'nestjs-cls';
import { headers as natsHeaders } from 'nats';
import { randomUUID } from 'node:crypto';
import {
  admitTenantMessage,
  outboundHeaders,
  readInboundScope,
  TenantContext,
  TenantContextMissingError,
} from '../src';

describe('tenant headers on NATS messages', () => {
  const context = new TenantContext(ClsServiceManager.getClsService());

  it('stamps tenant, correlation id and actor; a fresh header set per message', async () => {
    const tenantId = randomUUID();
    await context.runWithTenant(
      tenantId,
      async () => {
        const first = outboundHeaders(context, 'x.y');
        const second = outboundHeaders(context, 'x.y');
        expect(first).not.toBe(second);
        expect(first.get('x-tenant-id')).toBe(tenantId);
        expect(first.get('x-correlation-id')).toBe('corr-1');
        expect(first.get('x-actor')).toBe('api_key:key-1');
        expect(readInboundScope(first)).toEqual({
          ok: true,
          tenantId,
          correlationId: 'corr-1',
          actor: { kind: 'api_key', id: 'key-1' },
        });
      },
      { correlationId: 'corr-1', actor: { kind: 'api_key', id: 'key-1' } },
    );
  });

  it('throws for a tenant-scoped subject with no context; system subjects may go unscoped', () => {
    expect(() => outboundHeaders(context, 'x.y')).toThrow(TenantContextMissingError);
    expect(outboundHeaders(context, 'directory.lookup', 'system').get('x-tenant-id')).toBe('');
  });

  it('marks system scope instead of inventing a tenant', async () => {
    await context.asSystem('relay', async () => {
      const headers = outboundHeaders(context, 'x.y');
      expect(headers.get('x-system-scope')).toBe('relay');
      expect(headers.has('x-tenant-id')).toBe(false);
    });
  });

  it.each([
    [undefined, 'TENANT_HEADER_MISSING'],
    ['', 'TENANT_HEADER_MISSING'],
    ['tenant-a', 'TENANT_HEADER_MALFORMED'],
    ["' or 1=1 --", 'TENANT_HEADER_MALFORMED'],
  ])('refuses tenant header %p with %s', (value, reason) => {
    const headers = natsHeaders();
    if (value !== undefined) headers.set('x-tenant-id', value);
    expect(readInboundScope(headers)).toMatchObject({ ok: false, reason });
  });

  it('refuses a payload that claims another tenant than its header', async () => {
    const headers = natsHeaders();
    headers.set('x-tenant-id', randomUUID());
    expect(await admitTenantMessage(headers, { tenantId: randomUUID() })).toMatchObject({
      ok: false,
      reason: 'TENANT_MISMATCH',
    });
  });
});
