import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { FAST_PATHS } from './fast-path/fast-path.module.js';
import { installFastPaths } from './fast-path/fast-path.js';
import { HttpLogger } from './logging/logging.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { requestTargetMiddleware } from './common/request-target.middleware.js';

/** Builds the gateway with every global setting, so tests run exactly what production runs. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    rawBody: true, // webhook signatures are computed over the exact bytes received
  });
  app.useLogger(app.get(Logger));
  // First of all middleware, so every line about a request carries its id.
  app.use(app.get(HttpLogger).middleware);
  // Then the request target's one reading: nothing below sees a path it could read another way.
  app.use(requestTargetMiddleware(app.get(AllExceptionsFilter)));
  app.useBodyParser('json', { limit: '1mb' });
  app.set('trust proxy', false);
  app.disable('x-powered-by');

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('zoom-gateway')
      .setDescription(
        "The one door to Zoom's REST API. /v2 mirrors Zoom's own paths and bodies; /api is the gateway's own.",
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  installFastPaths(
    app.getHttpServer(),
    app.getHttpAdapter().getInstance(),
    FAST_PATHS.map((path) => app.get(path)),
  );
  return app;
}
