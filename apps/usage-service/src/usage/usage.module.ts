import { Module } from '@nestjs/common';
import { MetersModule } from '../meters/meters.module';
import { AdminUsageController, UsageController } from './usage.controller';
import { UsageQueryRepository } from './usage-query.repository';
import { UsageService } from './usage.service';

@Module({
  imports: [MetersModule],
  controllers: [UsageController, AdminUsageController],
  providers: [UsageQueryRepository, UsageService],
})
export class UsageModule {}
