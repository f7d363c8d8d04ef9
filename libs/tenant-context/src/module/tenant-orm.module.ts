import { MikroORM } from '@mikro-orm/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context';
import { UnitOfWorkScopeHook } from '../orm/unit-of-work';

class UnitOfWorkRegistration {}

/**
 * For apps with a database: every scope the context starts (request, message, job, asSystem)
 * gets its own EntityManager fork and transaction. Import after `MikroOrmModule.forRoot`,
 * with the ORM config wrapped in `withTenancy`.
 */
@Module({})
export class TenantOrmModule {
  static forRoot(): DynamicModule {
    return {
      module: TenantOrmModule,
      providers: [
        {
          provide: UnitOfWorkRegistration,
          useFactory: (orm: MikroORM, context: TenantContext) => {
            context.addScopeHook(new UnitOfWorkScopeHook(orm));
            return new UnitOfWorkRegistration();
          },
          inject: [MikroORM, TenantContext],
        },
      ],
    };
  }
}
