import { createTestDatabase, type TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { tenantTableSql } from '../src';

/**
 * The policy layer on its own, as any client (psql, a report job, a bug) would meet it:
 * adopting an existing table, then raw SQL over the app role.
 */
describe('RLS migration helper on a real Postgres', () => {
  let db: TestDatabase;
  let app: Client;
  const legacyTenant = randomUUID();
  const otherTenant = randomUUID();

  const inTenant = async <T extends object>(
    tenantId: string | undefined,
    sql: string,
    params: unknown[] = [],
  ) => {
    await app.query('begin');
    try {
      if (tenantId) await app.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
      return (await app.query<T>(sql, params)).rows;
    } finally {
      await app.query('rollback');
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('tb_rls');
    await db.query('create table note (id serial primary key, body text not null)');
    await db.query(`insert into note (body) values ('one'), ('two'), ('three')`);
    for (const sql of tenantTableSql('note', {
      roles: { appRole: db.appRole, systemRole: db.systemRole },
      backfillTenantId: legacyTenant,
    })) {
      await db.query(sql);
    }
    await db.query(`grant usage on sequence note_id_seq to "${db.appRole}", "${db.systemRole}"`);
    app = new Client({ connectionString: db.appUrl });
    await app.connect();
  });

  afterAll(async () => {
    await app?.end();
    await db?.drop();
  });

  it('backfilled every existing row into the default tenant', async () => {
    const rows = await db.query<{ tenant_id: string }>('select distinct tenant_id from note');
    expect(rows).toEqual([{ tenant_id: legacyTenant }]);
  });

  it('the app role sees a tenant rows only inside a transaction bound to that tenant', async () => {
    expect(await inTenant(legacyTenant, 'select body from note order by id')).toHaveLength(3);
    expect(await inTenant(otherTenant, 'select body from note')).toHaveLength(0);
    expect(await inTenant(undefined, 'select body from note')).toHaveLength(0);
    expect((await app.query('select body from note')).rows).toHaveLength(0);
  });

  it('the setting does not outlive its transaction on a reused connection', async () => {
    await inTenant(legacyTenant, 'select 1');
    expect((await app.query(`select current_setting('app.tenant_id', true) as t`)).rows[0]).toEqual(
      { t: '' },
    );
    expect((await app.query('select count(*)::int as n from note')).rows[0]).toEqual({ n: 0 });
  });

  it('refuses writes into another tenant and updates that would move a row', async () => {
    await expect(
      inTenant(otherTenant, `insert into note (tenant_id, body) values ($1, 'smuggled')`, [
        legacyTenant,
      ]),
    ).rejects.toThrow(/row-level security/);
    await expect(
      inTenant(legacyTenant, `update note set tenant_id = $1`, [otherTenant]),
    ).rejects.toThrow(/row-level security/);
  });

  it('only the separately granted system role sees across tenants', async () => {
    await app.query('begin');
    await app.query(`set local role "${db.systemRole}"`);
    expect((await app.query('select count(*)::int as n from note')).rows).toEqual([{ n: 3 }]);
    await app.query('commit');
    expect((await app.query('select current_user as u')).rows).toEqual([{ u: db.appRole }]);
    expect((await app.query('select count(*)::int as n from note')).rows).toEqual([{ n: 0 }]);
    await expect(app.query('set role postgres')).rejects.toThrow(/permission denied/);
  });
});
