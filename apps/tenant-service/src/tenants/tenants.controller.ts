import {
  Body,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import type { Response } from 'express';
import { etag, parseIfMatch } from '../common/etag';
import {
  CreateTenantDto,
  ListTenantsQuery,
  ResolvedTenant,
  ResolveTenantDto,
  SuspendTenantDto,
  TenantPage,
  TenantView,
  UpdateTenantDto,
} from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

@AdminController('api/v1/tenants', 'tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiCreatedResponse({ type: TenantView })
  create(@Body() dto: CreateTenantDto): Promise<TenantView> {
    return this.tenants.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: TenantPage })
  list(@Query() query: ListTenantsQuery): Promise<TenantPage> {
    return this.tenants.list(query);
  }

  @Post('resolve')
  @HttpCode(200)
  @ApiOkResponse({ type: ResolvedTenant, description: 'Get-or-create by external reference' })
  resolve(@Body() dto: ResolveTenantDto): Promise<ResolvedTenant> {
    return this.tenants.resolve(dto.externalRef, dto.name);
  }

  @Get(':idOrSlug')
  @ApiOkResponse({ type: TenantView })
  async get(
    @Param('idOrSlug') idOrSlug: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TenantView> {
    return withEtag(res, await this.tenants.get(idOrSlug));
  }

  @Patch(':id')
  @ApiOkResponse({ type: TenantView })
  async update(
    @Param('id') id: string,
    @Body() dto: UpdateTenantDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TenantView> {
    return withEtag(res, await this.tenants.update(id, dto, parseIfMatch(ifMatch)));
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantView })
  suspend(@Param('id') id: string, @Body() dto: SuspendTenantDto): Promise<TenantView> {
    return this.tenants.suspend(id, dto.reason);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantView })
  activate(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.activate(id);
  }

  @Delete(':id')
  @ApiOkResponse({ type: TenantView, description: 'Soft delete; data is kept until purge' })
  remove(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.remove(id);
  }

  @Post(':id/purge')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantView })
  purge(@Param('id') id: string): Promise<TenantView> {
    return this.tenants.purge(id);
  }
}

function withEtag(res: Response, view: TenantView): TenantView {
  res.setHeader('ETag', etag(view.version));
  return view;
}
