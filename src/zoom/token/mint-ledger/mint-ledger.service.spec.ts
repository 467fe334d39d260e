import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonModule } from '../../../common/common.module.js';
import { loadConfig } from '../../../config/app-config.js';
import { ConfigModule } from '../../../config/config.module.js';
import { CoordinationModule } from '../../../coordination/coordination.module.js';
import { JobsService } from '../../../coordination/jobs.service.js';
import { DatabaseModule } from '../../../database/database.module.js';
import { MetricsModule } from '../../../metrics/metrics.module.js';
import { MINT_LEDGER_PRUNE_JOB, MintLedgerService } from './mint-ledger.service.js';
import { ZoomTokenMintEntity } from './zoom-token-mint.entity.js';

const DAY_MS = 86_400_000;

describe(MintLedgerService.name, () => {
  let moduleRef: TestingModule;
  let ledger: MintLedgerService;

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zg-ledger-spec-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
      MINT_LEDGER_RETENTION_DAYS: '7',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        CommonModule,
        DatabaseModule,
        CoordinationModule,
        TypeOrmModule.forFeature([ZoomTokenMintEntity]),
      ],
      providers: [MintLedgerService],
    }).compile();
    await moduleRef.init();
    ledger = moduleRef.get(MintLedgerService);
  });

  afterEach(async () => {
    await moduleRef?.close();
  });

  function recordAgo(days: number): void {
    ledger.record({
      reason: 'refresh_ahead',
      outcome: 'ok',
      credentialVersion: 1,
      latencyMs: 10,
      at: Date.now() - days * DAY_MS,
    });
  }

  it('prunes rows older than MINT_LEDGER_RETENTION_DAYS and keeps the rest', async () => {
    recordAgo(30);
    recordAgo(8);
    recordAgo(6);
    recordAgo(0);
    await ledger.flush();
    await expect(ledger.prune()).resolves.toBe(2);
    await expect(ledger.recent(10).then((rows) => rows.length)).resolves.toBe(2);
  });

  it('prunes on the fleet schedule, one replica per hour', async () => {
    recordAgo(9);
    await ledger.flush();
    const jobs = moduleRef.get(JobsService);
    expect(jobs.isScheduled(MINT_LEDGER_PRUNE_JOB)).toBe(true);
    await expect(jobs.trigger(MINT_LEDGER_PRUNE_JOB)).resolves.toBe(true);
    await expect(ledger.recent(10)).resolves.toEqual([]);
  });
});
