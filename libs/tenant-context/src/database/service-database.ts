import { Migrator } from '@mikro-orm/migrations';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { Constructor, MigrationObject, Options } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { DynamicModule } from '@nestjs/common';
import { TenantOrmModule } from '../module/tenant-orm.module';
import { withTenancy } from '../orm/tenant-orm.config';

export interface ServiceOrmSettings {
  readonly clientUrl: string;
  readonly systemRole: string;
  readonly entities: Constructor[];
  /** The service's migrations, in order (bundled, so the built service needs no file globbing). */
  readonly migrations: MigrationObject[];
  /** Where applied migrations are recorded; distinct per service if they share a database. */
  readonly migrationsTable?: string;
}

/**
 * A service's one ORM configuration, used by the service (app role) and its migration job (owner):
 * PostgreSQL, its entities and migrations, with tenancy switched on.
 */
export function serviceOrmOptions(settings: ServiceOrmSettings): Options<PostgreSqlDriver> {
  return withTenancy(
    {
      driver: PostgreSqlDriver,
      clientUrl: settings.clientUrl,
      entities: settings.entities,
      extensions: [Migrator],
      migrations: {
        tableName: settings.migrationsTable ?? 'mikro_orm_migrations',
        transactional: true,
        migrationsList: settings.migrations,
      },
    },
    { systemRole: settings.systemRole },
  );
}

/**
 * The database modules of a service with one: MikroORM (no request context of its own: every
 * scope forks) and the unit-of-work hook that gives each scope its EntityManager and transaction.
 */
export function serviceDatabase(
  options: Options<PostgreSqlDriver>,
): (DynamicModule | Promise<DynamicModule>)[] {
  return [
    MikroOrmModule.forRoot({ ...options, registerRequestContext: false }),
    TenantOrmModule.forRoot(),
  ];
}
