import { Body, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/api-key.dto';

@AdminController('api/v1/tenants/:id/api-keys', 'api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @ApiOkResponse({ type: [ApiKeyView] })
  list(@Param('id') id: string): Promise<ApiKeyView[]> {
    return this.apiKeys.list(id);
  }

  @Post()
  @ApiCreatedResponse({
    type: CreatedApiKey,
    description: 'The key is shown in this response only',
  })
  create(@Param('id') id: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.apiKeys.create(id, dto);
  }

  @Delete(':keyId')
  @ApiOkResponse({ type: ApiKeyView, description: 'Revokes the key; it stays listed' })
  revoke(@Param('id') id: string, @Param('keyId') keyId: string): Promise<ApiKeyView> {
    return this.apiKeys.revoke(id, keyId);
  }
}
