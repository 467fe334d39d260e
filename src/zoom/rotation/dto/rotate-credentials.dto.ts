import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

/** `POST /api/admin/zoom/credentials`. The secret is write-only: never echoed, logged or stored in plaintext. */
export class RotateCredentialsDto {
  @ApiProperty({
    description:
      "The S2S app's new client secret (from the Zoom Marketplace). Validated by minting a token with it before use.",
    writeOnly: true,
    minLength: 8,
    maxLength: 256,
  })
  @IsString()
  @Length(8, 256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'clientSecret must be printable ASCII without spaces' })
  clientSecret!: string;

  @ApiPropertyOptional({
    description: "The app's client id, when it changes too; defaults to the active one.",
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'clientId must be letters, digits, dot, underscore or hyphen',
  })
  clientId?: string;
}

export class CredentialVersionDto {
  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({
    description:
      'sha256(clientId:clientSecret), first 12 hex: names the version without revealing it',
    example: '3f2a9c0b11de',
  })
  fingerprint!: string;

  @ApiProperty()
  clientId!: string;

  @ApiProperty({ format: 'date-time' })
  activatedAt!: string;

  @ApiProperty({ description: 'False when the posted secret already was the active one' })
  changed!: boolean;
}
