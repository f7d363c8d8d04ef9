import { MikroORM } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import {
  globalTableSql,
  quoteIdent,
  tenantRolesSql,
  type RlsRoles,
} from '@tenantbus/tenant-context';
import { ENTITIES, ormOptions } from './mikro-orm.options';

/**
 * Runs pending migrations as the schema owner, then (re)grants the app and system roles.
 * Services themselves connect as the app role, which can neither migrate nor bypass RLS.
 */
export async function migrate(
  ownerUrl: string,
  roles: RlsRoles,
  options: { createRoles?: boolean; log?: (message: string) => void } = {},
): Promise<string[]> {
  const logger = new Logger('Migrate');
  const log = options.log ?? ((message: string) => logger.log(message));
  const orm = await MikroORM.init({
    ...ormOptions(ownerUrl, roles.systemRole),
    allowGlobalContext: true,
    logger: log,
  });
  try {
    const connection = orm.em.getConnection();
    if (options.createRoles) for (const sql of tenantRolesSql(roles)) await connection.execute(sql);
    const applied = await orm.getMigrator().up();
    const grantees = `${quoteIdent(roles.appRole)}, ${quoteIdent(roles.systemRole)}`;
    await connection.execute(`grant usage on schema public to ${grantees}`);
    for (const meta of ENTITIES.map((entity) => orm.getMetadata().get(entity.name))) {
      for (const sql of globalTableSql(meta.tableName, { roles })) await connection.execute(sql);
    }
    await connection.execute(`grant usage on all sequences in schema public to ${grantees}`);
    return applied.map((migration) => migration.name);
  } finally {
    await orm.close(true);
  }
}
