import { ClsServiceManager } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import {
  InvalidTenantIdError,
  TenantContext,
  TenantContextMissingError,
  type ScopeHook,
} from '../src';

describe('TenantContext', () => {
  const context = new TenantContext(ClsServiceManager.getClsService());

  it('throws the dedicated error when the tenant is read with none set', async () => {
    expect(() => context.tenantId).toThrow(TenantContextMissingError);
    await context.asSystem('unit test', async () => {
      expect(() => context.tenantId).toThrow(TenantContextMissingError);
    });
  });

  it('runWithTenant scopes the work and restores nothing afterwards', async () => {
    const tenantId = randomUUID();
    await context.runWithTenant(tenantId, async () => {
      expect(context.tenantId).toBe(tenantId);
      expect(context.isSystem).toBe(false);
      expect(context.correlationId).toMatch(/[0-9a-f-]{36}/);
    });
    expect(context.maybeTenantId).toBeUndefined();
  });

  it('refuses a malformed tenant id', async () => {
    await expect(context.runWithTenant('acme', async () => undefined)).rejects.toBeInstanceOf(
      InvalidTenantIdError,
    );
  });

  it('asSystem needs a reason and drops the tenant of the caller', async () => {
    await expect(context.asSystem('  ', async () => undefined)).rejects.toThrow(/reason/);
    await context.runWithTenant(randomUUID(), async () => {
      await context.asSystem('report', async () => {
        expect(context.maybeTenantId).toBeUndefined();
        expect(context.system).toEqual({ reason: 'report' });
      });
    });
  });

  it('a nested scope keeps the correlation id but not the tenant of its parent', async () => {
    const outer = randomUUID();
    const inner = randomUUID();
    await context.runWithTenant(outer, async () => {
      const correlationId = context.correlationId;
      await context.runWithTenant(inner, async () => {
        expect(context.tenantId).toBe(inner);
        expect(context.correlationId).toBe(correlationId);
      });
      expect(context.tenantId).toBe(outer);
    });
  });

  it('bindTenant refuses to rebind a scope to another tenant', async () => {
    const tenantId = randomUUID();
    await context.runWithTenant(tenantId, async () => {
      context.bindTenant(tenantId);
      expect(() => context.bindTenant(randomUUID())).toThrow(/refusing to rebind/);
    });
  });

  it('scope hooks wrap every scope, outermost first', async () => {
    const calls: string[] = [];
    const scoped = new TenantContext(ClsServiceManager.getClsService());
    const hook = (name: string): ScopeHook => ({
      around: async (fn) => {
        calls.push(`${name}:in`);
        const result = await fn();
        calls.push(`${name}:out`);
        return result;
      },
    });
    scoped.addScopeHook(hook('orm'));
    scoped.addScopeHook(hook('metrics'));
    await scoped.asSystem('hooks', async () => calls.push('work'));
    expect(calls).toEqual(['orm:in', 'metrics:in', 'work', 'metrics:out', 'orm:out']);
  });

  it('runTenantsJointly: joint hooks open once, the others still wrap every tenant scope', async () => {
    const calls: string[] = [];
    const scoped = new TenantContext(ClsServiceManager.getClsService());
    const wrap =
      (name: string) =>
      async <T>(fn: () => Promise<T>): Promise<T> => {
        calls.push(`${name}:in`);
        const result = await fn();
        calls.push(`${name}:out`);
        return result;
      };
    scoped.addScopeHook({
      around: wrap('orm'),
      joint: async (fn) => {
        calls.push(`tx:${scoped.maybeTenantId ?? 'nobody'}`);
        return fn({ around: wrap('rebind') });
      },
    });
    scoped.addScopeHook({ around: wrap('metrics') });
    const [a, b] = [randomUUID(), randomUUID()];
    const seen = await scoped.runTenantsJointly(async (runAs) => [
      await runAs(a, async () => scoped.tenantId),
      await runAs(b, async () => scoped.tenantId),
    ]);
    expect(seen).toEqual([a, b]);
    const scope = ['rebind:in', 'metrics:in', 'metrics:out', 'rebind:out'];
    expect(calls).toEqual(['tx:nobody', ...scope, ...scope]);
  });
});
