import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { CustomerScopeMiddleware } from '../accounts/customer-scope.middleware';
import { AccountMetricsController } from './account-metrics.controller';
import { AccountMetricsService } from './account-metrics.service';

@Module({
  imports: [AccountsModule],
  controllers: [AccountMetricsController],
  providers: [AccountMetricsService],
})
export class AccountMetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CustomerScopeMiddleware).forRoutes(AccountMetricsController);
  }
}
