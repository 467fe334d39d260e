import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { MintLedgerService } from './mint-ledger/mint-ledger.service.js';
import { ZoomTokenMintEntity } from './mint-ledger/zoom-token-mint.entity.js';
import { FleetTokenStore } from './token-store/fleet-token-store.js';
import { ReplacementCanary } from './replacement-canary.js';
import { TokenGate } from './token-gate.js';
import { TokenMinter } from './token-minter.js';
import { ZoomAuthStateService } from './zoom-auth-state.service.js';
import { ZoomOAuthClient } from './zoom-oauth.client.js';
import { ZoomTokenService } from './zoom-token.service.js';
import { MetricsModule } from '../../metrics/metrics.module.js';

/**
 * Zoom S2S OAuth for the fleet: the token service (with its minter, gate and replacement canary),
 * its stores (Redis or in-process), the auth state machine and the mint ledger. Its public surface is what it exports.
 */
@Module({
  imports: [
    HttpModule.register({
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
      maxRedirects: 0,
    }),
    TypeOrmModule.forFeature([ZoomTokenMintEntity]),
    MetricsModule,
    CredentialsModule,
  ],
  providers: [
    ZoomOAuthClient,
    FleetTokenStore,
    ZoomAuthStateService,
    MintLedgerService,
    TokenGate,
    ReplacementCanary,
    TokenMinter,
    ZoomTokenService,
  ],
  exports: [
    CredentialsModule,
    ZoomOAuthClient,
    ZoomAuthStateService,
    MintLedgerService,
    ZoomTokenService,
  ],
})
export class ZoomAuthModule {}
