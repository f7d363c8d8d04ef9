import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { DomainsController } from './domains.controller';
import { DomainsService } from './domains.service';

@Module({
  imports: [AuditModule, TenantsModule],
  controllers: [DomainsController],
  providers: [DomainsService],
})
export class DomainsModule {}
