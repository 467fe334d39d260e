import { get, when } from '../api.js';
import { Badge, Loading, Meter, Section, Table, useLoad } from '../ui.js';
import { Charts } from './charts.js';

interface Diagnostics {
  verdict: { healthy: boolean; summary: string; nextStep: string; code: string };
  warnings: string[];
  mints: { budgetPerHour: number; lastHour: { minted: number; total: number } } | { error: string };
  recentRefusals: Array<{ at: string; status?: number; code?: number | string; message?: string }>;
  token: { present: boolean; mintedAt?: string; expiresAt?: string; reason?: string } | null;
  fleet: {
    mode: string;
    replicas: Array<{
      replicaId: string;
      at: string;
      startedAt: string;
      coordination: string;
      authState: string;
    }>;
  };
}

interface LimitsReport {
  blocks: Array<{ scope: string; reason: string; until: string }>;
}

/** The gateway at a glance: Zoom's verdict in words, the token, mints, Zoom's 429s, blocks, replicas. */
export function Overview() {
  const diagnostics = useLoad(() => get<Diagnostics>('/api/admin/zoom/diagnostics'));
  const limits = useLoad(() => get<LimitsReport>('/api/admin/zoom/limits'));
  const d = diagnostics.data;
  if (!d) return <Loading error={diagnostics.error} />;
  const mints = 'error' in d.mints ? undefined : d.mints;
  const rateLimited = d.recentRefusals.filter((r) => r.status === 429);
  const tokenAge =
    d.token?.mintedAt !== undefined
      ? `${Math.round((Date.now() - new Date(d.token.mintedAt).getTime()) / 60_000)} min`
      : 'unknown';
  return (
    <>
      <Section title="Does Zoom accept the app?">
        <p class="verdict">
          <Badge ok={d.verdict.healthy}>{d.verdict.healthy ? 'Yes' : 'No'}</Badge>{' '}
          {d.verdict.summary}
        </p>
        {!d.verdict.healthy && (
          <p>
            <strong>Next step: </strong>
            {d.verdict.nextStep}
          </p>
        )}
        {d.warnings.length > 0 && (
          <ul class="warnings" aria-label="Warnings">
            {d.warnings.map((w) => (
              <li key={w}>
                <strong>Warning: </strong>
                {w}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Token and mints">
        <dl class="facts">
          <dt>Token</dt>
          <dd>
            {d.token?.present
              ? `held; minted ${when(d.token.mintedAt)} (age ${tokenAge}), expires ${when(d.token.expiresAt)}`
              : 'none held now (the next call mints one)'}
          </dd>
          <dt>Mints in the last hour</dt>
          <dd>
            {mints ? (
              <Meter
                value={mints.lastHour.minted}
                max={mints.budgetPerHour}
                label="(hourly budget)"
              />
            ) : (
              'the mint ledger cannot be read'
            )}
          </dd>
          <dt>Zoom 429s (recent refusals)</dt>
          <dd>
            {rateLimited.length === 0
              ? 'none'
              : `${rateLimited.length}, last ${when(rateLimited[0]?.at)}`}
          </dd>
          <dt>Active daily-limit blocks</dt>
          <dd>
            {limits.data
              ? limits.data.blocks.length === 0
                ? 'none'
                : `${limits.data.blocks.length} (see Limits)`
              : (limits.error ?? '…')}
          </dd>
        </dl>
      </Section>
      <Section title="Replicas">
        <p>Mode: {d.fleet.mode === 'fleet' ? 'a fleet sharing Redis' : 'a single instance'}.</p>
        <Table
          caption="Replicas and their heartbeats"
          head={['Replica', 'Last heartbeat', 'Started', 'Coordination', 'Zoom auth']}
        >
          {d.fleet.replicas.map((r) => (
            <tr key={r.replicaId}>
              <th scope="row">{r.replicaId}</th>
              <td>{when(r.at)}</td>
              <td>{when(r.startedAt)}</td>
              <td>{r.coordination}</td>
              <td>{r.authState}</td>
            </tr>
          ))}
        </Table>
      </Section>
      <Charts />
    </>
  );
}
