import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../access/access.decorators.js';
import { DomainError, ErrorCode } from '../common/errors/index.js';
import { CONSOLE_SECURITY_HEADERS, consoleAssetsDir, readConsoleAsset } from './console-assets.js';

/**
 * The console's page and its built assets (no CDN: everything from the gateway), with a Content
 * Security Policy that allows only the gateway's own scripts, styles and API, and no framing.
 * The page holds no data: it signs in, then calls the admin API with its session cookie.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsolePagesController {
  private readonly dir = consoleAssetsDir();

  @Get()
  page(@Res() reply: FastifyReply): Promise<void> {
    return this.send(reply, 'index.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    return this.send(reply, file);
  }

  private async send(reply: FastifyReply, name: string): Promise<void> {
    if (!this.dir)
      throw new DomainError(
        ErrorCode.NotFound,
        'The console is not built: run npm run build (build:console).',
      );
    const asset = await readConsoleAsset(this.dir, name);
    if (!asset) throw new DomainError(ErrorCode.RouteNotFound, `No console file ${name}.`);
    void reply
      .code(200)
      .headers({
        ...CONSOLE_SECURITY_HEADERS,
        'content-type': asset.type,
        'cache-control': asset.cacheControl,
      })
      .send(asset.body);
  }
}
