import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CustomDomainPolicy } from '../common/custom-domain';
import { TenantEventsService } from './tenant-events.service';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({
  imports: [AuditModule],
  controllers: [TenantsController],
  providers: [TenantsService, TenantEventsService, CustomDomainPolicy],
  exports: [TenantsService, TenantEventsService, CustomDomainPolicy],
})
export class TenantsModule {}
