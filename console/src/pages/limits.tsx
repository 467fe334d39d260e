import { api, get, when } from '../api.js';
import type { Me } from '../app.js';
import { Loading, Meter, Notice, Section, Table, useAction, useLoad } from '../ui.js';

interface Report {
  plan: string;
  buckets: Array<{ bucket: string; product: string; category: string; limit: number; per: string }>;
  daily: Array<{ scope: string; cap: number; spent: number }>;
  blocks: Array<{ scope: string; reason: string; until: string }>;
}

/** Where a block's scope goes: in the path, or in ?scope= when it holds a `/`. */
function liftPath(scope: string): string {
  return scope.includes('/')
    ? `/api/admin/zoom/limits/blocks?scope=${encodeURIComponent(scope)}`
    : `/api/admin/zoom/limits/blocks/${encodeURIComponent(scope)}`;
}

/** Zoom's limits for the plan, today's use of the daily caps, and the blocks in force. */
export function Limits({ me }: { me: Me }) {
  const report = useLoad(() => get<Report>('/api/admin/zoom/limits'));
  const action = useAction(report.reload);
  const r = report.data;
  if (!r) return <Loading error={report.error} />;
  const lift = (scope: string) =>
    void action.run(async () => {
      await api('DELETE', liftPath(scope));
      return `block on ${scope} lifted`;
    });
  return (
    <>
      <Notice notice={action.notice} />
      <Section title="Daily-limit blocks in force">
        {r.blocks.length === 0 ? (
          <p>None: nothing is held back by a daily limit.</p>
        ) : (
          <Table caption="Blocks" head={['Scope', 'Why', 'Until', 'Action']}>
            {r.blocks.map((b) => (
              <tr key={b.scope}>
                <th scope="row">
                  <code>{b.scope}</code>
                </th>
                <td>{b.reason}</td>
                <td>{when(b.until)}</td>
                <td>
                  <button
                    type="button"
                    disabled={!me.mayAct || action.busy}
                    onClick={() => lift(b.scope)}
                    aria-label={`Lift the block on ${b.scope}`}
                  >
                    Lift
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
      <Section title="Daily caps today (UTC)">
        <Table
          caption={`Account-wide daily caps of the ${r.plan} plan`}
          head={['Scope', 'Used today']}
        >
          {r.daily.map((d) => (
            <tr key={d.scope}>
              <th scope="row">
                <code>{d.scope}</code>
              </th>
              <td>
                <Meter value={d.spent} max={d.cap} label="calls" />
              </td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section title="Zoom's rate limits the fleet paces to">
        <Table
          caption={`Per-bucket limits (${r.plan} plan)`}
          head={['Bucket', 'Product', 'Category', "Zoom's limit"]}
        >
          {r.buckets.map((b) => (
            <tr key={b.bucket}>
              <th scope="row">
                <code>{b.bucket}</code>
              </th>
              <td>{b.product}</td>
              <td>{b.category}</td>
              <td>
                {b.limit} per {b.per}
              </td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}
