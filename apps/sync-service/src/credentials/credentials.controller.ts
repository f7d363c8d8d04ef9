import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { SystemScoped } from '@tenantbus/tenant-context';
import { CredentialsRotationService } from './credentials-rotation.service';

export class ReencryptView {
  @ApiProperty() reencrypted!: number;
  @ApiProperty({ example: 'k2' }) active_key_id!: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@SystemScoped('admin api: re-encrypt credentials')
@Controller('api/v1/admin/credentials')
export class CredentialsController {
  constructor(private readonly rotation: CredentialsRotationService) {}

  @Post('re-encrypt')
  @HttpCode(200)
  @ApiOkResponse({ type: ReencryptView, description: 'Admin only: re-seals under the active key' })
  reencrypt(): Promise<ReencryptView> {
    return this.rotation.reencryptAll();
  }
}
