import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { installAdmission } from './admission/admission-hooks.js';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { GatewayFastifyAdapter } from './http/gateway-adapter.js';
import { installHttpPipeline } from './http/http-pipeline.js';
import { ReadableLogger } from './logging/readable-logger.js';

/** Builds the gateway with every global setting, so tests run exactly what production runs. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new GatewayFastifyAdapter(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    // The pipeline installs the gateway's own parsers (JSON with its raw bytes, all else streamed).
    bodyParser: false,
  });
  app.useLogger(new ReadableLogger(app.get(Logger)));
  installHttpPipeline(app, adapter);
  installAdmission(app);

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
  return app;
}
