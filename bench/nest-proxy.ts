// The bare proxy's forwarding (bench/lib/forwarding.ts) inside a minimal Nest application: one
// controller, one guard for the API key, nothing else, on Express or on Fastify
// (NEST_PROXY_PLATFORM). Beside the bare proxy and the gateway it splits what the gateway costs
// into what Nest's request pipeline costs and what the gateway's own work costs, and it measures
// what the Fastify adapter would save (issue 16, item 4). Runs as its own process.
// oxlint-disable-next-line import/no-unassigned-import -- decorator metadata polyfill, before any decorated class
import 'reflect-metadata';
import {
  All,
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createForwarder, type Forwarder } from './lib/forwarding.js';

const FORWARDER = Symbol('FORWARDER');
const platform = process.env.NEST_PROXY_PLATFORM === 'fastify' ? 'fastify' : 'express';

/** Express hands Node's own request and response; Fastify wraps them (`raw`). */
type PlatformRequest = IncomingMessage | { raw: IncomingMessage };
type PlatformResponse = ServerResponse | { raw: ServerResponse; hijack(): void };

@Injectable()
class ApiKeyGuard implements CanActivate {
  constructor(@Inject(FORWARDER) private readonly forwarder: Forwarder) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    return this.forwarder.authorized(req.headers.authorization);
  }
}

@Controller()
class ForwardController {
  constructor(@Inject(FORWARDER) private readonly forwarder: Forwarder) {}

  @Get('__proxy/health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  // Express's router wants a named wildcard, Fastify's a bare one.
  @All(platform === 'fastify' ? 'v2/*' : 'v2/*path')
  @UseGuards(ApiKeyGuard)
  forward(@Req() req: PlatformRequest, @Res() res: PlatformResponse): void {
    // Fastify: the answer is written to Node's response, past Fastify's reply.
    if ('hijack' in res) res.hijack();
    this.forwarder.forward('raw' in req ? req.raw : req, 'raw' in res ? res.raw : res);
  }
}

const forwarder = createForwarder(process.env);

@Module({
  controllers: [ForwardController],
  providers: [{ provide: FORWARDER, useValue: forwarder }, ApiKeyGuard],
})
class NestProxyModule {}

await forwarder.start();
const app =
  platform === 'fastify'
    ? await NestFactory.create(NestProxyModule, new FastifyAdapter(), { logger: false })
    : await NestFactory.create(NestProxyModule, { logger: false });
// As the bare proxy's: a load generator's kept-alive connections are never cut mid-run.
Object.assign(app.getHttpServer(), { keepAliveTimeout: 65_000 });
await app.listen(Number(process.env.PROXY_PORT), '127.0.0.1');
console.log(`Nest proxy (${platform}) on port ${process.env.PROXY_PORT}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => forwarder.close())
    .then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
