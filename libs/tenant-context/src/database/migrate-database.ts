import type { Options } from '@mikro-orm/core';
import { MikroORM, type PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import {
  globalTableSql,
  quoteIdent,
  tenantRolesSql,
  tenantTableSql,
  type RlsRoles,
} from '../orm/rls';
import { TenantScopedEntity } from '../orm/tenant-scoped.entity';

export interface MigrateDatabaseOptions {
  /** Create the app and system roles if missing (dev and tests; production roles are the operator's). */
  readonly createRoles?: boolean;
  readonly log?: (message: string) => void;
}

/**
 * Runs pending migrations as the schema owner, then secures every entity table: grants for the
 * app and system roles, and row-level security on every table of a `TenantScopedEntity` — applied
 * here from the entity metadata, so no migration can forget it. Idempotent; runs at every boot.
 */
export async function migrateDatabase(
  ormOptions: Options<PostgreSqlDriver>,
  roles: RlsRoles,
  options: MigrateDatabaseOptions = {},
): Promise<string[]> {
  const logger = new Logger('Migrate');
  const log = options.log ?? ((message: string) => logger.log(message));
  const orm = await MikroORM.init({ ...ormOptions, allowGlobalContext: true, logger: log });
  try {
    const connection = orm.em.getConnection();
    if (options.createRoles) for (const sql of tenantRolesSql(roles)) await connection.execute(sql);
    const applied = await orm.getMigrator().up();
    const grantees = `${quoteIdent(roles.appRole)}, ${quoteIdent(roles.systemRole)}`;
    await connection.execute(`grant usage on schema public to ${grantees}`);
    for (const meta of Object.values(orm.getMetadata().getAll())) {
      if (meta.abstract || meta.embeddable || meta.virtual) continue;
      const tenantScoped = meta.class.prototype instanceof TenantScopedEntity;
      const statements = tenantScoped
        ? tenantTableSql(meta.tableName, { roles, indexTenantId: false })
        : globalTableSql(meta.tableName, { roles });
      for (const sql of statements) await connection.execute(sql);
    }
    await connection.execute(`grant usage on all sequences in schema public to ${grantees}`);
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close(true);
  }
}
