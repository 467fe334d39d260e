import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, get, setCsrfToken, when, whenSignedOut } from './api.js';
import { messageOf } from './ui.js';
import { Overview } from './pages/overview.js';
import { Apps } from './pages/apps.js';
import { Credentials } from './pages/credentials.js';
import { Limits } from './pages/limits.js';
import { Events } from './pages/events.js';
import { Audit } from './pages/audit.js';

export interface Me {
  caller: string;
  mayAct: boolean;
  csrfToken: string;
  session: { id: string; kind: string; subject: string; expiresAt: string };
}

const PAGES = [
  { path: 'overview', title: 'Overview', view: Overview },
  { path: 'apps', title: 'Apps', view: Apps },
  { path: 'credentials', title: 'Credentials', view: Credentials },
  { path: 'limits', title: 'Limits', view: Limits },
  { path: 'events', title: 'Events', view: Events },
  { path: 'audit', title: 'Audit', view: Audit },
] as const;

function currentPath(): string {
  const path = location.hash.replace(/^#\/?/, '');
  return PAGES.some((page) => page.path === path) ? path : 'overview';
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [path, setPath] = useState(currentPath());

  const refreshMe = () =>
    get<Me>('/console/api/session')
      .then((value) => {
        setCsrfToken(value.csrfToken);
        setMe(value);
      })
      .catch(() => {
        setCsrfToken(undefined);
        setMe(null);
      });

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(undefined);
      setMe(null);
    });
    void refreshMe();
    const onHash = () => {
      setPath(currentPath());
      document.getElementById('main')?.focus();
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const page = PAGES.find((p) => p.path === path);
    document.title = `${page?.title ?? 'Console'} · zoom-gateway console`;
  }, [path]);

  if (me === undefined) return <p aria-busy="true">Loading the console…</p>;
  if (me === null) return <SignIn onSignedIn={refreshMe} />;

  const page = PAGES.find((p) => p.path === path) ?? PAGES[0];
  const View = page.view;
  const signOut = async () => {
    await api('POST', '/console/auth/sign-out').catch(() => undefined);
    setCsrfToken(undefined);
    setMe(null);
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to the page
      </a>
      <header class="top">
        <p class="brand">zoom-gateway console</p>
        <nav aria-label="Console pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p.path === page.path ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{me.caller}</strong>
            {me.mayAct ? '' : ' (look only)'}, until {when(me.session.expiresAt)}
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page.title}</h1>
        {!me.mayAct && (
          <p class="notice" role="note">
            You may look but not act: the gateway refuses your changes (CONSOLE_OIDC_ADMINS names
            who may act).
          </p>
        )}
        <View me={me} />
      </main>
    </>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [oidc, setOidc] = useState(false);
  useEffect(() => {
    get<{ oidc: boolean }>('/console/api/sign-in')
      .then((options) => setOidc(options.oidc))
      .catch(() => undefined);
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const answer = await api<{ csrfToken: string }>('POST', '/console/auth/key', undefined, {
        authorization: `Bearer ${key.trim()}`,
      });
      setKey('');
      setCsrfToken(answer.csrfToken);
      await onSignedIn();
    } catch (e) {
      setKey('');
      setError(
        e instanceof ApiError && e.status === 403 ? 'That key is not an admin key.' : messageOf(e),
      );
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the zoom-gateway console</h1>
      {oidc && (
        <p>
          <a class="button" href="/console/auth/login">
            Sign in with your company account
          </a>
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <h2>{oidc ? 'Or with an admin API key' : 'With an admin API key'}</h2>
        <label for="admin-key">Admin API key</label>
        <input
          id="admin-key"
          name="admin-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <p class="hint">
          The key is exchanged for a session of 8 hours; the browser keeps only the session.
        </p>
        <button type="submit">Sign in</button>
        <div role="alert">{error && <p class="notice bad">{error}</p>}</div>
      </form>
    </main>
  );
}
