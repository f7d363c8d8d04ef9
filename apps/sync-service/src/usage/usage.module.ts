import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ApiUsageInterceptor } from './api-usage.interceptor';
import { UsagePublisher } from './usage.publisher';

@Global()
@Module({
  providers: [UsagePublisher, { provide: APP_INTERCEPTOR, useClass: ApiUsageInterceptor }],
  exports: [UsagePublisher],
})
export class UsageModule {}
