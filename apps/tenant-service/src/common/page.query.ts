import { ApiPropertyOptional } from '@nestjs/swagger';
import { LimitQuery } from '@tenantbus/tenant-context';
import { IsOptional, IsString } from 'class-validator';

/** `?limit&cursor` of every cursor-paginated list. */
export class PageQuery {
  @LimitQuery(20)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
