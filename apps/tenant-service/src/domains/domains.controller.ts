import { Body, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { DomainsService } from './domains.service';
import { AddDomainDto, DomainView } from './dto/domain.dto';

@AdminController('api/v1/tenants/:id/domains', 'domains')
export class DomainsController {
  constructor(private readonly domains: DomainsService) {}

  @Get()
  @ApiOkResponse({ type: [DomainView] })
  list(@Param('id') id: string): Promise<DomainView[]> {
    return this.domains.list(id);
  }

  @Post()
  @ApiCreatedResponse({ type: DomainView })
  add(@Param('id') id: string, @Body() dto: AddDomainDto): Promise<DomainView> {
    return this.domains.add(id, dto);
  }

  @Delete(':hostname')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removing the primary promotes the oldest other domain' })
  remove(@Param('id') id: string, @Param('hostname') hostname: string): Promise<void> {
    return this.domains.remove(id, hostname);
  }

  @Post(':hostname/primary')
  @HttpCode(200)
  @ApiOkResponse({ type: DomainView })
  makePrimary(@Param('id') id: string, @Param('hostname') hostname: string): Promise<DomainView> {
    return this.domains.makePrimary(id, hostname);
  }
}
