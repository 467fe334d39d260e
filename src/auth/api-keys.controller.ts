import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type ApiKeyView,
  ApiKeyLifecycleService,
  type IssuedKey,
} from './api-key-lifecycle.service.js';
import type { Caller } from '../access/caller.js';
import { AdminOnly, CurrentCaller } from '../access/access.decorators.js';
import { ApiKeysRequests } from './api-keys.requests.js';
import {
  type CreateKeyInput,
  parseKeyName,
  type RotateKeyInput,
  type UpdateKeyInput,
} from './api-keys.validation.js';
import { Parse } from '../common/parse.js';

/** Keys for internal apps, made, rotated, changed and revoked at run time, fleet-wide. */
@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyLifecycleService) {}

  @Post()
  @ApiOperation({
    summary: 'Make an app key {name, grants?, expiresAt?}; 201 with the key, shown this once',
  })
  create(
    @CurrentCaller() caller: Caller,
    @Body(ApiKeysRequests.create) input: CreateKeyInput,
  ): Promise<IssuedKey> {
    return this.keys.create(caller.name, input);
  }

  @Get()
  @ApiOperation({
    summary: 'Apps: names, grants, created, last used, expiry; never a key or a hash',
  })
  async list(): Promise<{ apiKeys: ApiKeyView[] }> {
    return { apiKeys: await this.keys.list() };
  }

  @Post(':name/rotate')
  @ApiOperation({
    summary:
      'A new key for the app {overlapSeconds? (default 3600), expiresAt?}; its old keys work until the overlap ends',
  })
  rotate(
    @CurrentCaller() caller: Caller,
    @Param('name', new Parse(parseKeyName)) name: string,
    @Body(ApiKeysRequests.rotate) input: RotateKeyInput,
  ): Promise<IssuedKey> {
    return this.keys.rotate(caller.name, name, input);
  }

  @Patch(':name')
  @ApiOperation({ summary: "Change an app's grants and/or expiry {grants?, expiresAt?}" })
  update(
    @CurrentCaller() caller: Caller,
    @Param('name', new Parse(parseKeyName)) name: string,
    @Body(ApiKeysRequests.update) input: UpdateKeyInput,
  ): Promise<ApiKeyView> {
    return this.keys.update(caller.name, name, input);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an app: refused on every replica within 2 s (409 for API_KEYS apps)',
  })
  revoke(
    @CurrentCaller() caller: Caller,
    @Param('name', new Parse(parseKeyName)) name: string,
  ): Promise<void> {
    return this.keys.revoke(caller.name, name);
  }
}
