import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { PassThroughAccessGuard } from '../pass-through/pass-through-access.guard.js';
import { ZoomPassThroughController } from '../pass-through/pass-through.controller.js';
import type { FastPath } from './fast-path.js';
import { FastPathRunner, type RouteTarget } from './fast-path-runner.js';

/**
 * Reads of every other `/v2` route (Zoom's whole API through the door): the pass-through's
 * guards and handler, without Express's router and Nest's per-request pipeline.
 */
@Injectable()
export class PassThroughReadFastPath implements FastPath, OnModuleInit {
  readonly route = '/v2/*path';
  private controller!: ZoomPassThroughController;
  private target!: RouteTarget;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly runner: FastPathRunner,
  ) {}

  onModuleInit(): void {
    this.controller = this.moduleRef.get(ZoomPassThroughController, { strict: false });
    this.target = {
      controller: ZoomPassThroughController,
      // oxlint-disable-next-line typescript/unbound-method -- read for its decorators, as Nest reads it
      handler: ZoomPassThroughController.prototype.forward,
      guards: [this.moduleRef.get(PassThroughAccessGuard, { strict: false })],
    };
  }

  serve(request: Request, response: Response): void {
    this.runner.run(request, response, this.route, this.target, () =>
      this.controller.forward(request, response),
    );
  }
}
