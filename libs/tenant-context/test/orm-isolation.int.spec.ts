import { MikroORM, ref } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
import type { TestDatabase } from '@tenantbus/testing';
import { randomUUID } from 'node:crypto';
import {
  TenantContextMissingError,
  TenantEntityManager,
  TenantMismatchError,
  type TenantContext,
} from '../src';
import { createFixtureDatabase, initFixtureOrm } from './fixtures.db';
import { Part, Widget } from './fixtures.entities';

describe('ORM + RLS isolation (real Postgres)', () => {
  let db: TestDatabase;
  let orm: MikroORM<PostgreSqlDriver>;
  let context: TenantContext;
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  let widgetA: string;
  let widgetB: string;

  const em = () => orm.em as EntityManager;
  const asA = <T>(fn: () => Promise<T>) => context.runWithTenant(tenantA, fn);
  const asB = <T>(fn: () => Promise<T>) => context.runWithTenant(tenantB, fn);

  beforeAll(async () => {
    const fixture = await createFixtureDatabase('tb_orm');
    db = fixture.db;
    ({ orm, context } = await initFixtureOrm(fixture));
    widgetA = await asA(async () => {
      const w = em().create(Widget, { name: 'shared-name', stock: 1 });
      em().create(Part, { label: 'a-part', widget: ref(w) });
      await em().flush();
      return w.id;
    });
    widgetB = await asB(async () => {
      const w = em().create(Widget, { name: 'shared-name', stock: 2 });
      em().create(Part, { label: 'b-part', widget: ref(w) });
      await em().flush();
      return w.id;
    });
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('stamps new rows with the context tenant', async () => {
    const rows = await db.query<{ tenant_id: string; name: string }>(
      'select tenant_id, name from widget order by stock',
    );
    expect(rows.map((r) => r.tenant_id)).toEqual([tenantA, tenantB]);
  });

  it('find / findOne / count see only their own tenant', async () => {
    await asA(async () => {
      expect((await em().find(Widget, {})).map((w) => w.id)).toEqual([widgetA]);
      expect(await em().findOne(Widget, { name: 'shared-name' })).toMatchObject({ id: widgetA });
      expect(await em().count(Widget, {})).toBe(1);
      expect(await em().findOne(Widget, { id: widgetB })).toBeNull();
    });
  });

  it('findOne by primary key cannot return the other tenant row, even after it was loaded', async () => {
    await asB(async () => {
      await em().findOneOrFail(Widget, { id: widgetB });
    });
    await asA(async () => {
      expect(await em().findOne(Widget, { tenantId: tenantB, id: widgetB })).toBeNull();
    });
  });

  it('populate of a relation stays within the tenant', async () => {
    await asA(async () => {
      const parts = await em().find(Part, {}, { populate: ['widget'] });
      expect(parts).toHaveLength(1);
      expect(parts[0].widget.getEntity().stock).toBe(1);
    });
  });

  it('QueryBuilder without applyFilters is still held by RLS', async () => {
    await asA(async () => {
      const rows = await em().createQueryBuilder(Widget).select('*').getResultList();
      expect(rows.map((w) => w.id)).toEqual([widgetA]);
      const updated = await em()
        .createQueryBuilder(Widget)
        .update({ stock: 99 })
        .where({ id: widgetB })
        .execute('run');
      expect(updated.affectedRows).toBe(0);
    });
    expect(
      (await db.query<{ stock: number }>('select stock from widget where id = $1', [widgetB]))[0]
        .stock,
    ).toBe(2);
  });

  it('nativeUpdate / nativeDelete never touch the other tenant', async () => {
    await asA(async () => {
      expect(await em().nativeUpdate(Widget, { id: widgetB }, { stock: 77 })).toBe(0);
      expect(await em().nativeDelete(Part, { label: 'b-part' })).toBe(0);
    });
    const rows = await db.query<{ n: string }>(
      `select count(*) n from part where label = 'b-part'`,
    );
    expect(rows[0].n).toBe('1');
  });

  it('upsert cannot overwrite or re-assign another tenant row', async () => {
    await expect(
      asA(() =>
        em().upsert(Widget, { tenantId: tenantB, id: widgetB, name: 'hijacked', stock: 5 }),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(
      (await db.query<{ name: string }>('select name from widget where id = $1', [widgetB]))[0]
        .name,
    ).toBe('shared-name');
  });

  it('raw execute sees only the context tenant', async () => {
    await asA(async () => {
      const rows = await em().execute<{ id: string }[]>('select id from widget');
      expect(rows.map((r) => r.id)).toEqual([widgetA]);
      await em().execute(`update widget set stock = 1000`);
    });
    expect(
      (await db.query<{ stock: number }>('select stock from widget where id = $1', [widgetB]))[0]
        .stock,
    ).toBe(2);
  });

  it('refuses to flush an entity of another tenant', async () => {
    await expect(
      asA(async () => {
        em().create(Widget, { tenantId: tenantB, name: 'smuggled' });
        await em().flush();
      }),
    ).rejects.toBeInstanceOf(TenantMismatchError);
  });

  it('the filter alone (policies off) limits every query shape to the tenant', async () => {
    expect(orm.em).toBeInstanceOf(TenantEntityManager); // folds the filter into the where
    await db.query('alter table widget disable row level security');
    try {
      await asA(async () => {
        const ids = async (where: object) =>
          (await em().find(Widget, where)).map((widget) => widget.id);
        expect(await ids({})).toEqual([widgetA]);
        expect(await ids({ name: 'shared-name' })).toEqual([widgetA]);
        expect(await ids({ $or: [{ stock: { $gte: 0 } }, { name: 'none' }] })).toEqual([widgetA]);
        expect(await ids({ $and: [{ stock: { $gte: 0 } }, { name: 'shared-name' }] })).toEqual([
          widgetA,
        ]);
        // The where names the tenant itself: both conditions still hold, so nothing matches.
        expect(await ids({ tenantId: tenantB })).toEqual([]);
        expect(await em().findOne(Widget, { tenantId: tenantB, id: widgetB })).toBeNull();
        expect(await em().count(Widget, { name: 'shared-name' })).toBe(1);
        const parts = await em().find(Part, { widget: { name: 'shared-name' } });
        expect(parts.map((part) => part.label)).toEqual(['a-part']);
      });
    } finally {
      await db.query('alter table widget enable row level security');
    }
  });

  it('with no context: reads, writes and raw SQL fail closed', async () => {
    await expect(orm.em.fork().find(Widget, {})).rejects.toBeInstanceOf(TenantContextMissingError);
    const fork = orm.em.fork();
    fork.create(Widget, { name: 'orphan' });
    await expect(fork.flush()).rejects.toBeInstanceOf(TenantContextMissingError);
    expect(await orm.em.fork().execute('select id from widget')).toEqual([]);
    await expect(orm.em.find(Widget, {})).rejects.toThrow(/global EntityManager/);
  });

  it('asSystem is the one way to see every tenant', async () => {
    const ids = await context.asSystem('test: cross-tenant report', async () => {
      const viaOrm = (await em().find(Widget, {})).map((w) => w.id);
      const viaSql = (await em().execute<{ id: string }[]>('select id from widget')).map(
        (r) => r.id,
      );
      return { viaOrm: viaOrm.sort(), viaSql: viaSql.sort() };
    });
    expect(ids.viaOrm).toEqual([widgetA, widgetB].sort());
    expect(ids.viaSql).toEqual([widgetA, widgetB].sort());
  });
});
