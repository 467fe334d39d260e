import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { z } from 'zod';
import { gatewayClient } from './support/gateway-client.js';
import {
  bodyOf,
  generatedApiKey,
  type GatewayProcess,
  startGateway,
} from './support/gateway-process.js';

/**
 * deploy/ against the code it deploys: every metric an alert rule or a dashboard panel names is
 * exported by a running gateway, and the Kubernetes manifests use the gateway's real probe
 * paths, port and configuration variables. (`promtool` checks the rules' syntax and behaviour
 * in .ci/run.)
 */

const DEPLOY = 'deploy';
const KUBERNETES = join(DEPLOY, 'kubernetes');

/** Series Prometheus writes itself for every scrape target: not the gateway's to export. */
const SCRAPE_SERIES = new Set(['up']);

/**
 * Metrics a dashboard panel may name before the gateway exports them (code in progress
 * elsewhere), each with a comment saying whose. Empty: everything the dashboard names is asserted.
 */
const PENDING_DASHBOARD_METRICS = new Set<string>();

// ------------------------------------------------------------------ PromQL names

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const LABEL_LIST = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
 * ranges and label lists are removed, minus function names (followed by `(`) and keywords.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(LABEL_LIST, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w:.$])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Names a Prometheus exposition defines: TYPE/HELP lines (with a histogram's and summary's series) and samples. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# (?:TYPE|HELP) (\S+)(?: (\S+))?/.exec(line);
    if (declared?.[1]) {
      const [, name, type] = declared;
      names.add(name);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
      continue;
    }
    const sample = /^([A-Za-z_:][\w:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}

describe('metricNames', () => {
  it('finds the selected metrics and leaves out functions, labels, strings and keywords', () => {
    expect(
      metricNames(
        'sum by (job, instance) (rate(a_total{route="/x", status=~"5.."}[5m])) > 0 ' +
          'unless on (job) max by (job) (b{state="rejected"}) == 1 or absent(c) and histogram_quantile(0.99, d_bucket[1m] offset 5m)',
      ).sort(),
    ).toEqual(['a_total', 'b', 'c', 'd_bucket']);
  });

  it('ignores Grafana variables in ranges and matchers', () => {
    expect(metricNames('rate(x_total{job="$job"}[$__rate_interval])')).toEqual(['x_total']);
  });
});

// ------------------------------------------------------------------ the files

const Rule = z.object({
  alert: z.string().optional(),
  record: z.string().optional(),
  expr: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const RuleFile = z.object({
  groups: z.array(z.object({ name: z.string(), rules: z.array(Rule) })),
});

function alertRules() {
  const parsed = bodyOf(
    RuleFile,
    load(readFileSync(join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')),
  );
  return parsed.groups.flatMap((group) => group.rules);
}

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}
const Panel: z.ZodType<DashboardPanel> = z.lazy(() =>
  z.looseObject({
    title: z.string().optional(),
    targets: z.array(z.looseObject({ expr: z.string().optional() })).optional(),
    panels: z.array(Panel).optional(),
  }),
);
const Dashboard = z.looseObject({
  title: z.string(),
  uid: z.string(),
  panels: z.array(Panel),
  templating: z.looseObject({
    list: z.array(
      z.looseObject({
        name: z.string(),
        query: z.union([z.string(), z.looseObject({ query: z.string() })]).optional(),
      }),
    ),
  }),
});

/** Every PromQL expression of the dashboard: panel targets (rows included) and variable queries. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const raw: unknown = JSON.parse(readFileSync(join(DEPLOY, 'grafana/zoom-gateway.json'), 'utf8'));
  const dashboard = bodyOf(Dashboard, raw);
  const found: { where: string; expr: string }[] = [];
  const walk = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        if (target.expr) found.push({ where: `panel "${panel.title ?? '?'}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    // label_values(<selector>, <label>): the selector is PromQL, the label is not a metric.
    const selector = query && /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
    if (selector) found.push({ where: `variable $${variable.name}`, expr: selector });
  }
  return found;
}

const KubernetesObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string() }),
});
type KubernetesObject = z.infer<typeof KubernetesObject>;

function manifests(): KubernetesObject[] {
  return readdirSync(KUBERNETES)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) =>
      loadAll(readFileSync(join(KUBERNETES, file), 'utf8'))
        .filter((document) => document !== null && document !== undefined)
        .map((document) => bodyOf(KubernetesObject, document)),
    );
}

function manifest<T>(kind: string, schema: z.ZodType<T>): T {
  const found = manifests().filter((object) => object.kind === kind);
  expect(found, `exactly one ${kind} in ${KUBERNETES}`).toHaveLength(1);
  return bodyOf(schema, found[0]);
}

const Probe = z.looseObject({
  httpGet: z.looseObject({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const EnvVar = z.looseObject({ name: z.string() });
const Labels = z.record(z.string(), z.string());
const Deployment = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    selector: z.looseObject({ matchLabels: Labels }),
    template: z.looseObject({
      metadata: z.looseObject({ labels: Labels, annotations: Labels.optional() }),
      spec: z.looseObject({
        terminationGracePeriodSeconds: z.number(),
        containers: z.array(
          z.looseObject({
            ports: z.array(z.looseObject({ name: z.string(), containerPort: z.number() })),
            envFrom: z.array(
              z.looseObject({
                configMapRef: z.looseObject({ name: z.string() }).optional(),
                secretRef: z.looseObject({ name: z.string() }).optional(),
              }),
            ),
            env: z.array(EnvVar).optional(),
            resources: z.looseObject({
              requests: z.looseObject({ cpu: z.string(), memory: z.string() }),
            }),
            startupProbe: Probe.optional(),
            livenessProbe: Probe,
            readinessProbe: Probe,
            lifecycle: z
              .looseObject({
                preStop: z.looseObject({
                  exec: z.looseObject({ command: z.array(z.string()) }),
                }),
              })
              .optional(),
          }),
        ),
      }),
    }),
  }),
});
const ConfigMap = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  data: z.record(z.string(), z.string()),
});
const Secret = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  stringData: z.record(z.string(), z.string()),
});
const Selecting = z.looseObject({
  spec: z.looseObject({ selector: z.union([Labels, z.looseObject({ matchLabels: Labels })]) }),
});
const Autoscaler = z.looseObject({
  spec: z.looseObject({
    scaleTargetRef: z.looseObject({ kind: z.string(), name: z.string() }),
    minReplicas: z.number(),
    maxReplicas: z.number(),
  }),
});
const Service = z.looseObject({
  spec: z.looseObject({
    selector: Labels,
    ports: z.array(z.looseObject({ targetPort: z.union([z.string(), z.number()]) })),
  }),
});

// ------------------------------------------------------------------ the code's contract

// Every file of the configuration loader: the typed config and its per-variable parsers.
const APP_CONFIG = readdirSync('src/config')
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
  .map((file) => readFileSync(join('src/config', file), 'utf8'))
  .join('\n');

/** Every variable the configuration loader reads (`env.NAME`). */
function configVariables(): Set<string> {
  return new Set([...APP_CONFIG.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] ?? ''));
}

/** The loader's default for a numeric variable: `integer('NAME', env.NAME, <default>, ...)`. */
function configDefault(name: string): number {
  const match = new RegExp(`'${name}',\\s*env\\.${name},\\s*([\\d_]+)`).exec(APP_CONFIG);
  if (!match?.[1]) throw new Error(`no default found for ${name} in src/config/`);
  return Number(match[1].replaceAll('_', ''));
}

/** Routes the health controller serves, from its decorators: `/health/live`, `/health/ready`, ... */
function healthRoutes(): Set<string> {
  const source = readFileSync('src/health/health.controller.ts', 'utf8');
  const base = /@Controller\('([^']*)'\)/.exec(source)?.[1];
  if (base === undefined) throw new Error('no @Controller in src/health/health.controller.ts');
  const routes = [...source.matchAll(/@Get\((?:'([^']*)')?\)/g)].map((m) =>
    m[1] ? `/${base}/${m[1]}` : `/${base}`,
  );
  return new Set(routes);
}

function selectorOf(object: z.infer<typeof Selecting>): Record<string, string> {
  const selector = object.spec.selector;
  return 'matchLabels' in selector && typeof selector.matchLabels === 'object'
    ? bodyOf(Labels, selector.matchLabels)
    : bodyOf(Labels, selector);
}

// ------------------------------------------------------------------ against a running gateway

describe('deploy/ against a running gateway', () => {
  let gateway: GatewayProcess;
  let exported: Set<string>;
  const call = gatewayClient();

  beforeAll(async () => {
    // The embedded default: SQLite, the built-in simulator, a generated admin key.
    const dataDir = mkdtempSync(join(tmpdir(), 'zg-deploy-'));
    gateway = await startGateway({ DATA_DIR: dataDir });
    const key = generatedApiKey(dataDir);
    // A few calls, so labelled series (routes, statuses, mints, governor waits) have samples.
    expect((await call(gateway, 'GET', '/v2/users/me', { key })).status).toBe(200);
    expect((await call(gateway, 'GET', '/v2/users/me/meetings', { key })).status).toBe(200);
    const created = await call(gateway, 'POST', '/v2/users/me/meetings', {
      key,
      body: { topic: 'deploy check', type: 2, start_time: '2030-01-01T10:00:00Z', duration: 30 },
    });
    expect(created.status).toBe(201);
    expect((await call(gateway, 'GET', '/v2/meetings/1', { key })).status).toBe(404);
    expect((await call(gateway, 'GET', '/api/meetings', { key })).status).toBe(200);
    // Twice: the read cache (CACHE_TTL_SECONDS) answers the second from memory.
    for (let i = 0; i < 2; i++)
      expect((await call(gateway, 'GET', '/v2/users/me', { key })).status).toBe(200);
    const metrics = await fetch(`${gateway.url}/metrics`);
    expect(metrics.status).toBe(200);
    exported = exportedNames(await metrics.text());
    // The exposition is the gateway's: a sample of what the rules rely on is there.
    expect(exported).toContain('zoom_auth_state');
    expect(exported).toContain('http_request_duration_seconds_bucket');
    expect(exported).toContain('zoom_cache_requests_total');
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('exports every metric an alert rule names', () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(0);
    const missing = rules.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => !exported.has(name) && !SCRAPE_SERIES.has(name))
        .map((name) => `${rule.alert ?? rule.record}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('exports every metric a dashboard panel names', () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(0);
    const missing = expressions.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter(
          (name) =>
            !exported.has(name) && !SCRAPE_SERIES.has(name) && !PENDING_DASHBOARD_METRICS.has(name),
        )
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('answers the probe and scrape paths the Deployment names', async () => {
    const deployment = manifest('Deployment', Deployment);
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const paths = [
      container.livenessProbe.httpGet.path,
      container.readinessProbe.httpGet.path,
      ...(container.startupProbe ? [container.startupProbe.httpGet.path] : []),
      pod.metadata.annotations?.['prometheus.io/path'] ?? '/metrics',
    ];
    for (const path of paths) {
      const answer = await fetch(`${gateway.url}${path}`);
      expect(answer.status, `GET ${path}`).toBe(200);
    }
  });
});

// ------------------------------------------------------------------ the files alone

describe('deploy/prometheus/alerts.yml', () => {
  it('gives every alert a severity, a summary and a runbook', () => {
    for (const rule of alertRules()) {
      expect(rule.alert, rule.expr).toBeTruthy();
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.runbook?.length ?? 0, rule.alert).toBeGreaterThan(80);
    }
  });

  it('keeps the mint budget threshold equal to the ConfigMap budget', () => {
    const budget = manifest('ConfigMap', ConfigMap).data.ZOOM_MINT_BUDGET_PER_HOUR;
    const rule = alertRules().find((r) => r.alert === 'ZoomMintsOverHourlyBudget');
    expect(rule?.expr).toMatch(
      new RegExp(`> ${budget ?? configDefault('ZOOM_MINT_BUDGET_PER_HOUR')}$`),
    );
  });
});

describe('deploy/kubernetes', () => {
  it('parses into the objects the deployment needs', () => {
    expect(
      manifests()
        .map((object) => object.kind)
        .sort(),
    ).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  it('probes routes the health controller serves', () => {
    const container = manifest('Deployment', Deployment).spec.template.spec.containers[0];
    const routes = healthRoutes();
    expect(routes).toContain('/health/live');
    expect(routes).toContain('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    if (container.startupProbe) expect(routes).toContain(container.startupProbe.httpGet.path);
  });

  it('names only variables the configuration loader reads', () => {
    const known = configVariables();
    expect(known.size).toBeGreaterThan(20);
    const deployment = manifest('Deployment', Deployment);
    const names = [
      ...Object.keys(manifest('ConfigMap', ConfigMap).data),
      ...Object.keys(manifest('Secret', Secret).stringData),
      ...(deployment.spec.template.spec.containers[0].env ?? []).map((variable) => variable.name),
    ];
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    // The contract's secrets and the fleet's shared state are all provided.
    for (const required of ['DATABASE_URL', 'REDIS_URL', 'ENCRYPTION_KEY', 'ZOOM_CLIENT_SECRET'])
      expect(names).toContain(required);
  });

  it('wires the Deployment to its ConfigMap and Secret, and the Secret holds placeholders only', () => {
    const container = manifest('Deployment', Deployment).spec.template.spec.containers[0];
    const configMap = manifest('ConfigMap', ConfigMap);
    const secret = manifest('Secret', Secret);
    expect(container.envFrom.map((source) => source.configMapRef?.name).filter(Boolean)).toEqual([
      configMap.metadata.name,
    ]);
    expect(container.envFrom.map((source) => source.secretRef?.name).filter(Boolean)).toEqual([
      secret.metadata.name,
    ]);
    for (const [name, value] of Object.entries(secret.stringData))
      expect(value, name).toContain('REPLACE_ME');
  });

  it('listens on the configured port, and the Service sends traffic there', () => {
    const container = manifest('Deployment', Deployment).spec.template.spec.containers[0];
    const port = Number(manifest('ConfigMap', ConfigMap).data.PORT ?? configDefault('PORT'));
    const http = container.ports.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(port);
    const targets = manifest('Service', Service).spec.ports.map((p) => p.targetPort);
    expect(targets.every((target) => target === 'http' || target === port)).toBe(true);
  });

  it('gives Kubernetes longer than the gateway needs to shut down', () => {
    const spec = manifest('Deployment', Deployment).spec.template.spec;
    const shutdownMs = Number(
      manifest('ConfigMap', ConfigMap).data.SHUTDOWN_TIMEOUT_MS ??
        configDefault('SHUTDOWN_TIMEOUT_MS'),
    );
    const preStop = spec.containers[0].lifecycle?.preStop.exec.command ?? [];
    const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
    expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs + pauseMs);
  });

  it('selects the Deployment pods from the Service, the PodDisruptionBudget and the autoscaler', () => {
    const deployment = manifest('Deployment', Deployment);
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(
      Object.fromEntries(
        Object.keys(deployment.spec.selector.matchLabels).map((key) => [key, podLabels[key]]),
      ),
    );
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      const selector = selectorOf(manifest(kind, Selecting));
      for (const [key, value] of Object.entries(selector)) expect(podLabels[key], kind).toBe(value);
    }
    const autoscaler = manifest('HorizontalPodAutoscaler', Autoscaler);
    expect(autoscaler.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });
});
