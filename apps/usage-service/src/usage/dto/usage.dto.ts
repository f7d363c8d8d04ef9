import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LimitQuery } from '@tenantbus/tenant-context';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { WINDOWS, type WindowSize } from '../usage-query.repository';

/** `groupBy=a,b` or `groupBy=a&groupBy=b`. */
const toList = ({ value }: { value: unknown }): unknown[] =>
  (Array.isArray(value) ? (value as unknown[]) : [value])
    .flatMap((item): unknown[] => (typeof item === 'string' ? item.split(',') : [item]))
    .map((item): unknown => (typeof item === 'string' ? item.trim() : item))
    .filter((item) => item !== '');

export class UsageRangeQuery {
  @ApiProperty({ example: 'api.requests' })
  @IsString()
  @Length(1, 100)
  meter!: string;

  @ApiProperty({
    example: '2026-11-01T00:00:00Z',
    description: 'Inclusive; rounded down to the minute',
  })
  @IsISO8601({ strict: true })
  from!: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Exclusive; default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class UsageQuery extends UsageRangeQuery {
  @ApiPropertyOptional({ enum: WINDOWS, description: 'Without: one total over the range' })
  @IsOptional()
  @IsIn(WINDOWS)
  window?: WindowSize;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: 'IANA zone windows are cut in; default UTC',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  tz?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['route'],
    description: "Some of the meter's group-by properties",
  })
  @IsOptional()
  @Transform(toList)
  @IsString({ each: true })
  @ArrayMaxSize(5)
  groupBy?: string[];
}

export class TopTenantsQuery extends UsageRangeQuery {
  @LimitQuery(10)
  limit?: number;
}

export class UsagePointView {
  @ApiProperty() windowStart!: string;
  @ApiProperty() windowEnd!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', nullable: true } })
  groupBy!: Record<string, string | null>;
  @ApiProperty() value!: number;
}

export class UsageSeriesView {
  @ApiProperty() meter!: string;
  @ApiProperty() aggregation!: string;
  @ApiPropertyOptional({ enum: WINDOWS }) window?: WindowSize;
  @ApiProperty() tz!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [UsagePointView] }) data!: UsagePointView[];
}

export class TopTenantView {
  @ApiProperty() tenantId!: string;
  @ApiProperty({ nullable: true, type: String }) slug!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() value!: number;
}
