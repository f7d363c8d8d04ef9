import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsFQDN, IsOptional, IsString, MaxLength } from 'class-validator';

export class AddDomainDto {
  @ApiProperty({ example: 'app.acme.example', description: 'Stored lower-case' })
  @IsString()
  @MaxLength(253)
  @IsFQDN({ require_tld: true })
  hostname!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Make it the primary domain (the first domain always is)',
  })
  @IsOptional()
  @IsBoolean()
  primary?: boolean;
}

export class DomainView {
  @ApiProperty({ example: 'app.acme.example' }) hostname!: string;
  @ApiProperty() primary!: boolean;
  @ApiProperty() createdAt!: string;
}
