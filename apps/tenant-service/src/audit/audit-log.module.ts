import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { AuditController } from './audit.controller';
import { AuditLogService } from './audit-log.service';

/** The audit trail's read side (the write side, `AuditModule`, is imported by every feature). */
@Module({
  imports: [TenantsModule],
  controllers: [AuditController],
  providers: [AuditLogService],
})
export class AuditLogModule {}
