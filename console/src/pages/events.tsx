import { api, get, when } from '../api.js';
import type { Me } from '../app.js';
import { Badge, Loading, Notice, Section, Table, useAction, useLoad } from '../ui.js';

interface Subscription {
  id: string;
  app: string;
  url: string;
  events: string[];
  paused: boolean;
  failingSince: string | null;
  lastSuccessAt: string | null;
}

interface Delivery {
  id: string;
  subscriptionId: string;
  app: string;
  event: string;
  eventAt: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
}

/** Subscriptions to Zoom's events, dead letters (retry one), and a replay since a time. */
export function Events({ me }: { me: Me }) {
  const subscriptions = useLoad(() =>
    get<{ subscriptions: Subscription[] }>('/api/webhook-subscriptions'),
  );
  const failed = useLoad(() =>
    get<{ deliveries: Delivery[] }>('/api/webhook-deliveries?status=failed'),
  );
  const action = useAction(() => {
    subscriptions.reload();
    failed.reload();
  });
  const retry = (id: string) =>
    void action.run(async () => {
      await api('POST', `/api/webhook-deliveries/${encodeURIComponent(id)}/retry`);
      return `delivery ${id} queued again`;
    });
  const replay = (id: string) => {
    const since = prompt(
      'Deliver again every stored event since (ISO time, e.g. 2026-12-06T10:00:00Z):',
      new Date(Date.now() - 3_600_000).toISOString(),
    );
    if (!since) return;
    void action.run(async () => {
      const answer = await api<{ queued: number }>(
        'POST',
        `/api/webhook-subscriptions/${encodeURIComponent(id)}/replay`,
        { since },
      );
      return `${answer.queued} deliveries queued`;
    });
  };
  return (
    <>
      <Notice notice={action.notice} />
      <Section title="Subscriptions">
        {!subscriptions.data ? (
          <Loading error={subscriptions.error} />
        ) : subscriptions.data.subscriptions.length === 0 ? (
          <p>No app subscribes to Zoom's events.</p>
        ) : (
          <Table
            caption="Subscriptions"
            head={['App', 'URL', 'Events', 'State', 'Last success', 'Action']}
          >
            {subscriptions.data.subscriptions.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.app}</th>
                <td>
                  <code>{s.url}</code>
                </td>
                <td>{s.events.join(', ')}</td>
                <td>
                  <Badge ok={s.paused ? null : !s.failingSince}>
                    {s.paused
                      ? 'paused'
                      : s.failingSince
                        ? `failing since ${when(s.failingSince)}`
                        : 'delivering'}
                  </Badge>
                </td>
                <td>{when(s.lastSuccessAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={!me.mayAct || action.busy}
                    onClick={() => replay(s.id)}
                    aria-label={`Replay events to ${s.app} ${s.url}`}
                  >
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
      <Section title="Dead letters (failed deliveries)">
        {!failed.data ? (
          <Loading error={failed.error} />
        ) : failed.data.deliveries.length === 0 ? (
          <p>None: every delivery arrived or is still being tried.</p>
        ) : (
          <Table
            caption="Failed deliveries"
            head={['Delivery', 'App', 'Event', 'Attempts', 'Last answer', 'Last try', 'Action']}
          >
            {failed.data.deliveries.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <code>{d.id}</code>
                </th>
                <td>{d.app}</td>
                <td>
                  {d.event} ({when(d.eventAt)})
                </td>
                <td>{d.attempts}</td>
                <td>{d.lastStatus ?? d.lastError ?? '—'}</td>
                <td>{when(d.lastAttemptAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={!me.mayAct || action.busy}
                    onClick={() => retry(d.id)}
                    aria-label={`Retry delivery ${d.id}`}
                  >
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
    </>
  );
}
