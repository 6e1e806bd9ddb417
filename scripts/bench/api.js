// k6 load test for three SelfLink API endpoints, driven by scripts/bench/api.py (`just bench`).
//
// Everything comes from the JSON file named by the BENCH_CONFIG environment variable (written by
// api.py): the base URL, the number of VUs, the duration of each scenario, one logged-in bench user
// per VU (access token, refresh token) and the ids of the seeded users.
//
// After a short unmeasured warm-up (database pool connections opened, code paths loaded), three
// scenarios run one after the other, each with a fixed number of VUs looping without think time
// (closed model: throughput = VUs / latency):
//   users_me      GET  /api/v1/users/me/     with the VU's own access token
//   users_get     GET  /api/v1/users/{id}/   a random seeded user, with the VU's own access token
//   auth_refresh  POST /api/v1/auth/refresh/ each VU rotates its own refresh-token chain
// Requests are tagged `endpoint:<scenario>`; handleSummary writes the end-of-test data as JSON to
// the path in the config, where api.py reads the per-endpoint sub-metrics.

import { check, fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';

const config = JSON.parse(open(__ENV.BENCH_CONFIG));
const BASE = config.baseUrl;
const DURATION = config.durationSeconds;
const GAP = config.gapSeconds; // idle seconds between scenarios, so they never overlap
const WARMUP = config.warmupSeconds;
const ORDER = ['users_me', 'users_get', 'auth_refresh'];

function scenario(fn, startSeconds, durationSeconds) {
  return {
    executor: 'constant-vus',
    exec: fn,
    vus: config.vus,
    duration: `${durationSeconds}s`,
    startTime: `${startSeconds}s`,
    gracefulStop: `${Math.max(1, GAP - 1)}s`,
    tags: { endpoint: fn },
  };
}

const scenarios = {};
const thresholds = {};
const offset = WARMUP > 0 ? WARMUP + GAP : 0;
if (WARMUP > 0) {
  scenarios.warmup = scenario('warmup', 0, WARMUP);
}
ORDER.forEach((name, index) => {
  scenarios[name] = scenario(name, offset + index * (DURATION + GAP), DURATION);
  // k6 puts a tag-filtered sub-metric into the summary only when a threshold names it. These
  // thresholds always pass: the pass/fail rule (error rate <= 1%) is applied by api.py (no error at all with --smoke).
  thresholds[`http_reqs{endpoint:${name}}`] = ['count>=0'];
  thresholds[`http_req_duration{endpoint:${name}}`] = ['max>=0'];
  thresholds[`http_req_failed{endpoint:${name}}`] = ['rate>=0'];
  thresholds[`checks{endpoint:${name}}`] = ['rate>=0'];
});

export const options = {
  scenarios,
  thresholds,
  summaryTrendStats: ['avg', 'min', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  userAgent: 'selflink-bench/k6',
  // Keep-alive connections, as a real client (or the reverse proxy) would use them.
  noConnectionReuse: false,
};

function credential() {
  // VUs are reused across the sequential scenarios, so idInTest is 1..vus: one bench user per VU.
  const id = exec.vu.idInTest;
  if (id > config.credentials.length) {
    fail(`VU ${id} has no credential (only ${config.credentials.length} were prepared)`);
  }
  return config.credentials[id - 1];
}

function authHeaders(token) {
  return { Authorization: `Bearer ${token}`, Accept: 'application/json' };
}

// Each request carries the tag endpoint:<scenario> (the warm-up's are tagged endpoint:warmup).
function getMe(endpoint) {
  const me = credential();
  const res = http.get(`${BASE}/api/v1/users/me/`, {
    headers: authHeaders(me.access),
    tags: { endpoint, name: 'GET /api/v1/users/me/' },
  });
  check(res, {
    'users_me: 200 and my own id': (r) => r.status === 200 && r.json('id') === me.userId,
  }, { endpoint });
}

function getUser(endpoint) {
  const me = credential();
  let target = me.userId;
  while (target === me.userId) {
    target = config.targetIds[Math.floor(Math.random() * config.targetIds.length)];
  }
  const res = http.get(`${BASE}/api/v1/users/${target}/`, {
    headers: authHeaders(me.access),
    tags: { endpoint, name: 'GET /api/v1/users/{id}/' },
  });
  check(res, {
    'users_get: 200 and the requested id': (r) => r.status === 200 && r.json('id') === target,
  }, { endpoint });
}

// Not measured: both GET endpoints, alternately, so the server's pool and code paths are warm.
export function warmup() {
  if (exec.vu.iterationInScenario % 2 === 0) {
    getMe('warmup');
  } else {
    getUser('warmup');
  }
}

export function users_me() {
  getMe('users_me');
}

export function users_get() {
  getUser('users_get');
}

// Per-VU state: the newest refresh token of this VU's chain. Every successful refresh returns a new
// one and retires the old one (presenting a retired token would revoke the whole session).
let refreshToken = null;
let chainBroken = false;

export function auth_refresh() {
  if (refreshToken === null) {
    refreshToken = credential().refresh;
  }
  const res = http.post(`${BASE}/api/v1/auth/refresh/`, JSON.stringify({ refresh: refreshToken }), {
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    tags: { endpoint: 'auth_refresh', name: 'POST /api/v1/auth/refresh/' },
  });
  const ok = check(res, {
    'auth_refresh: 200 with a new token pair': (r) => r.status === 200 && !!r.json('token')
      && !!r.json('refreshToken') && r.json('refreshToken') !== refreshToken,
  }, { endpoint: 'auth_refresh' });
  if (ok) {
    refreshToken = res.json('refreshToken');
  } else if (!chainBroken) {
    // Keep sending (each failure counts as an error), but say once why this VU is failing.
    chainBroken = true;
    console.error(`VU ${exec.vu.idInTest}: refresh failed with HTTP ${res.status}: ${String(res.body).slice(0, 200)}`);
  }
}

export function handleSummary(data) {
  const lines = ORDER.map((name) => {
    const reqs = data.metrics[`http_reqs{endpoint:${name}}`];
    return `  ${name}: ${reqs ? reqs.values.count : 0} requests`;
  });
  return {
    [config.summaryPath]: JSON.stringify(data, null, 2),
    stdout: `\n[k6] end-of-test summary written to ${config.summaryPath}\n${lines.join('\n')}\n`,
  };
}
