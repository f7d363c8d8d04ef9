import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AccountLimits } from './account-limits';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { CustomerScopeMiddleware } from './customer-scope.middleware';
import { CustomersController } from './customers.controller';
import { ReassignAccounts } from './use-cases/reassign-accounts';

@Module({
  controllers: [AccountsController, CustomersController],
  providers: [AccountsService, AccountLimits, ReassignAccounts],
  exports: [AccountsService],
})
export class AccountsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CustomerScopeMiddleware).forRoutes(AccountsController, CustomersController);
  }
}
