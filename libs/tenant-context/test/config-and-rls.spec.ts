import { z } from 'zod';
import {
  ConfigError,
  describeConfig,
  loadConfig,
  ServiceConfigSchema,
  tenantRolesSql,
  tenantTableSql,
} from '../src';

describe('service configuration', () => {
  it('applies defaults and validates', () => {
    const config = loadConfig(ServiceConfigSchema, { SERVICE_NAME: 'sync-service', PORT: '3002' });
    expect(config).toMatchObject({ PORT: 3002, BUS_PREFIX: 'tenantbus', LOG_LEVEL: 'info' });
  });

  it('fails fast naming every bad key but never a value', () => {
    const attempt = () =>
      loadConfig(ServiceConfigSchema.extend({ SECRET: z.string().min(64) }), {
        PORT: 'eighty',
        SECRET: 'hunter2',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SERVICE_NAME[\s\S]*PORT/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('arms known failpoints, refuses unknown ones, and refuses any in production', () => {
    const env = { SERVICE_NAME: 'tenant-service' };
    expect(loadConfig(ServiceConfigSchema, env).TENANTBUS_FAILPOINTS).toEqual([]);
    expect(
      loadConfig(ServiceConfigSchema, {
        ...env,
        TENANTBUS_FAILPOINTS: 'outbox.before-publish, outbox.after-publish',
      }).TENANTBUS_FAILPOINTS,
    ).toEqual(['outbox.before-publish', 'outbox.after-publish']);
    expect(() =>
      loadConfig(ServiceConfigSchema, { ...env, TENANTBUS_FAILPOINTS: 'outbox.typo' }),
    ).toThrow(/TENANTBUS_FAILPOINTS/);
    expect(() =>
      loadConfig(ServiceConfigSchema, {
        ...env,
        NODE_ENV: 'production',
        TENANTBUS_FAILPOINTS: 'outbox.after-publish',
      }),
    ).toThrow(/refused when NODE_ENV=production/);
    expect(
      loadConfig(ServiceConfigSchema, { ...env, NODE_ENV: 'production' }).TENANTBUS_FAILPOINTS,
    ).toEqual([]);
  });

  it('redacts secrets when described for logs', () => {
    expect(describeConfig({ ADMIN_TOKENS: 'ops:secret', PORT: 1 })).toEqual({
      ADMIN_TOKENS: '[redacted]',
      PORT: 1,
    });
  });
});

describe('RLS migration helper', () => {
  const roles = { appRole: 'tb_app', systemRole: 'tb_sys' };

  it('forces RLS with a transaction-local tenant policy and a separate system policy', () => {
    const sql = tenantTableSql('usage_event', { roles }).join(';\n');
    expect(sql).toContain('enable row level security');
    expect(sql).toContain('force row level security');
    expect(sql).toContain(`current_setting('app.tenant_id', true)`);
    expect(sql).toMatch(/create policy system_access on "usage_event" to "tb_sys"/);
    expect(sql).toContain('create index if not exists "usage_event_tenant_id_idx"');
  });

  it('adopts an existing table by backfilling a default tenant', () => {
    const tenant = '6f1c2a8e-3f5b-4f7e-9a41-2b0f3c9d8e71';
    const sql = tenantTableSql('legacy', { roles, backfillTenantId: tenant });
    expect(sql.slice(0, 3)).toEqual([
      'alter table "legacy" add column if not exists "tenant_id" uuid',
      `update "legacy" set "tenant_id" = '${tenant}' where "tenant_id" is null`,
      'alter table "legacy" alter column "tenant_id" set not null',
    ]);
  });

  it('refuses identifiers and tenant ids that could inject SQL', () => {
    expect(() => tenantTableSql('x; drop table y', { roles })).toThrow(/unsafe/);
    expect(() => tenantTableSql('legacy', { roles, backfillTenantId: "1'; --" })).toThrow();
    expect(() => tenantRolesSql({ appRole: 'a"b', systemRole: 's' })).toThrow(/unsafe/);
  });
});
