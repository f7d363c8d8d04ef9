import { MikroORM } from '@mikro-orm/postgresql';
import {
  migrateDatabase,
  type MigrateDatabaseOptions,
  type RlsRoles,
} from '@tenantbus/tenant-context';
import { ormOptions } from './mikro-orm.options';
import { reportingRoleSql } from './reporting-role';

/** The lib's migrations and grants, then (when configured) the read-only reporting role's access. */
export async function migrateUsageDatabase(
  ownerUrl: string,
  roles: RlsRoles,
  reportingRole?: string,
  options: MigrateDatabaseOptions = {},
): Promise<string[]> {
  const applied = await migrateDatabase(ormOptions(ownerUrl, roles.systemRole), roles, options);
  if (reportingRole) {
    const orm = await MikroORM.init({
      ...ormOptions(ownerUrl, roles.systemRole),
      allowGlobalContext: true,
      logger: options.log,
    });
    try {
      for (const sql of reportingRoleSql(reportingRole)) await orm.em.getConnection().execute(sql);
    } finally {
      await orm.close(true);
    }
  }
  return applied;
}
