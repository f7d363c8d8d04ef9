import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ApiUsageInterceptor } from './api-usage.interceptor';
import { UsageRecorder } from './usage.recorder';

@Global()
@Module({
  providers: [UsageRecorder, { provide: APP_INTERCEPTOR, useClass: ApiUsageInterceptor }],
  exports: [UsageRecorder],
})
export class UsageModule {}
