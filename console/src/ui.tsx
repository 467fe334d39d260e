import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** Data loaded from the API, with its error and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const reload = useCallback(() => {
    load()
      .then((value) => {
        setData(value);
        setError(undefined);
      })
      .catch((e: unknown) => setError(messageOf(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.status} ${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** What the last action did, read out by screen readers. */
export function Notice({ notice }: { notice: { ok: boolean; text: string } | undefined }) {
  return (
    <div role="status" aria-live="polite" class="notice-slot">
      {notice && (
        <p class={notice.ok ? 'notice ok' : 'notice bad'}>
          <strong>{notice.ok ? 'Done: ' : 'Refused: '}</strong>
          {notice.text}
        </p>
      )}
    </div>
  );
}

/** Runs an action, then says what happened. */
export function useAction(after?: () => void) {
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    try {
      setNotice({ ok: true, text: await work() });
      after?.();
    } catch (error) {
      setNotice({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };
  return { notice, busy, run, setNotice };
}

export function Loading({ error }: { error?: string }) {
  return error ? (
    <p class="notice bad" role="alert">
      <strong>Could not load: </strong>
      {error}
    </p>
  ) : (
    <p aria-busy="true">Loading…</p>
  );
}

export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = props.id ?? props.title.toLowerCase().replace(/\W+/g, '-');
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A table that scrolls sideways on a phone instead of squeezing its columns. */
export function Table(props: { caption: string; head: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A state in words and a symbol, never by colour alone. */
export function Badge({ ok, children }: { ok: boolean | null; children: ComponentChildren }) {
  const mark = ok === null ? '•' : ok ? '✓' : '✗';
  return (
    <span class={`badge ${ok === null ? 'neutral' : ok ? 'good' : 'bad'}`}>
      <span aria-hidden="true">{mark} </span>
      {children}
    </span>
  );
}

/** A number against its limit, as text and a bar (the bar is decoration). */
export function Meter({ value, max, label }: { value: number; max: number; label: string }) {
  const share = max > 0 ? Math.min(1, value / max) : 0;
  return (
    <span class="meter-cell">
      <span>
        {value} of {max} {label}
        {share >= 1 ? ' (reached)' : ''}
      </span>
      <span class="meter" aria-hidden="true">
        <span style={{ width: `${Math.round(share * 100)}%` }} class={share >= 0.8 ? 'high' : ''} />
      </span>
    </span>
  );
}
