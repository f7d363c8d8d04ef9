import { MikroORM, type Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '@tenantbus/testing';
import { ClsServiceManager } from 'nestjs-cls';
import {
  TenantContext,
  tenantTableSql,
  UnitOfWorkScopeHook,
  withTenancy,
  type RlsRoles,
} from '../src';
import { FIXTURE_SCHEMA, Part, Widget } from './fixtures.entities';

export interface FixtureDatabase {
  readonly db: TestDatabase;
  readonly roles: RlsRoles;
}

/** A fresh database with the widget/part tables under RLS, as a service's migrations would make. */
export async function createFixtureDatabase(prefix: string): Promise<FixtureDatabase> {
  const db = await createTestDatabase(prefix);
  const roles = { appRole: db.appRole, systemRole: db.systemRole };
  for (const sql of FIXTURE_SCHEMA) await db.query(sql);
  for (const table of ['widget', 'part']) {
    for (const sql of tenantTableSql(table, { roles, indexTenantId: false })) await db.query(sql);
  }
  return { db, roles };
}

/** ORM options for the app role (RLS applies to it), with tenancy switched on. */
export function fixtureOrmOptions(
  fixture: FixtureDatabase,
  extra: Partial<Options<PostgreSqlDriver>> = {},
) {
  return withTenancy(
    { driver: PostgreSqlDriver, clientUrl: fixture.db.appUrl, entities: [Widget, Part], ...extra },
    fixture.roles,
  );
}

/** The ORM plus a context whose scopes each get their own EntityManager and transaction. */
export async function initFixtureOrm(
  fixture: FixtureDatabase,
  extra: Partial<Options<PostgreSqlDriver>> = {},
) {
  const orm = await MikroORM.init(fixtureOrmOptions(fixture, extra));
  const context = new TenantContext(ClsServiceManager.getClsService());
  context.addScopeHook(new UnitOfWorkScopeHook(orm));
  return { orm, context };
}
