import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import type { TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import type { TenantContext } from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Widget } from './fixtures.entities';

/**
 * `runTenantsJointly`: several tenants' scopes in ONE transaction, the RLS binding switched per
 * scope. Isolation must hold exactly as with a transaction per tenant, and all or nothing commits.
 */
describe('TenantContext.runTenantsJointly: one transaction, rebound per tenant (real Postgres)', () => {
  let db: TestDatabase;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;

  const em = () => orm.em as EntityManager;
  const rowsOf = async (tenantId: string) =>
    (
      await db.query<{ name: string }>('select name from widget where tenant_id = $1 order by 1', [
        tenantId,
      ])
    ).map((row) => row.name);

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_joint');
    db = fixture.db;
    ({ orm, context } = await initFixtureOrm(fixture));
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('runs every scope in one transaction, each bound to its own tenant only', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const seen = await context.runTenantsJointly(async (runAs) => {
      const scope = (tenantId: string, name: string) =>
        runAs(tenantId, async () => {
          em().create(Widget, { name });
          await em().flush();
          await em().execute(`insert into widget (tenant_id, id, name) values (?, ?, ?)`, [
            tenantId,
            randomUUID(),
            `${name}-raw`,
          ]);
          // Unfiltered raw SQL: only RLS stands between this scope and the other tenant's rows.
          const [{ txid }] = await em().execute<{ txid: string }[]>(
            'select txid_current() as txid',
          );
          const tenants = await em().execute<{ tenant_id: string }[]>(
            'select distinct tenant_id from widget',
          );
          return { txid, tenants: tenants.map((row) => row.tenant_id), context: context.tenantId };
        });
      return [await scope(a, 'a1'), await scope(b, 'b1'), await scope(a, 'a2')];
    });
    expect(new Set(seen.map((s) => s.txid)).size).toBe(1);
    expect(seen.map((s) => s.context)).toEqual([a, b, a]);
    expect(seen.map((s) => s.tenants)).toEqual([[a], [b], [a]]);
    expect(await rowsOf(a)).toEqual(['a1', 'a1-raw', 'a2', 'a2-raw']);
    expect(await rowsOf(b)).toEqual(['b1', 'b1-raw']);
  });

  it("a scope bound to tenant A cannot write, change or read tenant B's rows", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await context.runWithTenant(b, async () => {
      em().create(Widget, { name: 'b-only', stock: 1 });
    });
    const attempt = context.runTenantsJointly(async (runAs) => {
      await runAs(b, async () => {
        em().create(Widget, { name: 'b-joint' });
      });
      await runAs(a, async () => {
        // The previous scope's tenant no longer binds anything.
        expect(await em().execute('select * from widget')).toEqual([]);
        expect(await em().findOne(Widget, { tenantId: b, name: 'b-joint' })).toBeNull();
        const updated = await em().execute<{ affectedRows: number }>(
          'update widget set stock = 99',
          [],
          'run',
        );
        expect(updated.affectedRows).toBe(0);
        await em().execute(`insert into widget (tenant_id, id, name) values (?, ?, 'forged')`, [
          b,
          randomUUID(),
        ]);
      });
    });
    await expect(attempt).rejects.toThrow(/row-level security/);
    expect(await rowsOf(b)).toEqual(['b-only']);
    const [{ stock }] = await db.query<{ stock: number }>(
      'select stock from widget where tenant_id = $1',
      [b],
    );
    expect(stock).toBe(1);
    expect(await rowsOf(a)).toEqual([]);
  });

  it('a failure in any scope rolls back every tenant of the transaction', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const attempt = context.runTenantsJointly(async (runAs) => {
      for (const tenantId of tenants)
        await runAs(tenantId, async () => {
          em().create(Widget, { name: 'written' });
          await em().flush();
        });
      await runAs(tenants[0], async () => {
        throw new Error('planned failure after every tenant wrote');
      });
    });
    await expect(attempt).rejects.toThrow('planned failure');
    for (const tenantId of tenants) expect(await rowsOf(tenantId)).toEqual([]);
  });

  it('scopes take turns: a second one starting while another runs is refused', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const attempt = context.runTenantsJointly((runAs) =>
      Promise.all([
        runAs(a, async () => em().create(Widget, { name: 'a' })),
        runAs(b, async () => em().create(Widget, { name: 'b' })),
      ]),
    );
    await expect(attempt).rejects.toThrow('one at a time');
    expect([...(await rowsOf(a)), ...(await rowsOf(b))]).toEqual([]);
  });

  it("a scope's turn ends with it: what it left running cannot reach the next tenant's binding", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await context.runTenantsJointly(async (runAs) => {
      await runAs(a, async () => em().create(Widget, { name: 'a' }));
      await runAs(b, async () => em().create(Widget, { name: 'b' }));
    });
    let leftover: EntityManager | undefined;
    const reads = await context.runTenantsJointly(async (runAs) => {
      await runAs(a, async () => {
        leftover = em().getContext(); // the scope's fork, used after its turn
      });
      return runAs(b, async () => {
        const late = leftover!.execute<{ name: string }[]>('select name from widget');
        await expect(late).rejects.toThrow(/scope has ended/);
        return em().execute<{ name: string }[]>('select name from widget');
      });
    });
    expect(reads.map((row) => row.name)).toEqual(['b']);
  });
});
