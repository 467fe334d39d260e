// The bare proxy's forwarding (bench/lib/forwarding.ts) inside a minimal Nest application on
// Fastify (`@nestjs/platform-fastify`, the adapter the gateway runs on): one controller, one guard
// for the API key, nothing else. Beside the bare proxy and the gateway it splits what the gateway
// costs into what Nest's request pipeline on Fastify costs and what the gateway's own work costs
// (issue 16, item 4). Runs as its own process.
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

/** Fastify's request and reply, as far as the forwarding reads them: Node's own underneath (`raw`). */
interface PlatformRequest {
  raw: IncomingMessage;
}
interface PlatformReply {
  raw: ServerResponse;
  hijack(): void;
}

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

  @All('v2/*')
  @UseGuards(ApiKeyGuard)
  forward(@Req() req: PlatformRequest, @Res() res: PlatformReply): void {
    // The answer is written to Node's response, past Fastify's reply.
    res.hijack();
    this.forwarder.forward(req.raw, res.raw);
  }
}

const forwarder = createForwarder(process.env);

@Module({
  controllers: [ForwardController],
  providers: [{ provide: FORWARDER, useValue: forwarder }, ApiKeyGuard],
})
class NestProxyModule {}

await forwarder.start();
const app = await NestFactory.create(NestProxyModule, new FastifyAdapter(), { logger: false });
// As the bare proxy's: a load generator's kept-alive connections are never cut mid-run.
Object.assign(app.getHttpServer(), { keepAliveTimeout: 65_000 });
await app.listen(Number(process.env.PROXY_PORT), '127.0.0.1');
console.log(`Nest proxy (Fastify) on port ${process.env.PROXY_PORT}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => forwarder.close())
    .then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
