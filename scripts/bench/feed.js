// k6 load test for the SelfLink feeds and post creation, driven by scripts/bench/feed.py (`just bench-feed`).
//
// Everything comes from the JSON file named by the BENCH_CONFIG environment variable (written by
// feed.py): the base URL, the scenarios (name, kind, VUs, start and duration), the signed-in bench
// users (access token, a page-2 cursor of their ranked feed) and where to write the end-of-test summary.
//
// Scenarios run one after the other, each with a fixed number of VUs looping without think time (closed
// model: throughput = VUs / latency). Every iteration acts as the next bench user in turn, so the
// latencies cover several typical users, not one. Kinds:
//   for_you        GET  /api/v1/feed/for_you/            no cursor: a refresh, computes a new FeedSession
//   for_you_page2  GET  /api/v1/feed/for_you/?cursor=…   page 2 of a session computed before the run
//   following      GET  /api/v1/feed/following/          chronological, first page
//   posts_create   POST /api/v1/posts/                   a JSON text post
// Requests are tagged `endpoint:<scenario name>` (e.g. for_you_c1); handleSummary writes k6's end-of-test
// data as JSON to the path in the config, where feed.py reads the per-scenario sub-metrics.

import { check, fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';

const config = JSON.parse(open(__ENV.BENCH_CONFIG));
const BASE = config.baseUrl;
const USERS = config.credentials;
const LIMIT = config.pageSize;

const scenarios = {};
const thresholds = {};
for (const s of config.scenarios) {
  scenarios[s.name] = {
    executor: 'constant-vus',
    exec: s.kind,
    vus: s.vus,
    duration: `${s.durationSeconds}s`,
    startTime: `${s.startSeconds}s`,
    gracefulStop: `${Math.max(1, config.gapSeconds - 1)}s`,
    env: { ENDPOINT: s.name },
  };
  if (s.measured) {
    // k6 puts a tag-filtered sub-metric into the summary only when a threshold names it. These
    // thresholds always pass: the pass/fail rule (error rate <= 1%) is applied by feed.py (no error at all with --smoke).
    thresholds[`http_reqs{endpoint:${s.name}}`] = ['count>=0'];
    thresholds[`http_req_duration{endpoint:${s.name}}`] = ['max>=0'];
    thresholds[`http_req_failed{endpoint:${s.name}}`] = ['rate>=0'];
    thresholds[`checks{endpoint:${s.name}}`] = ['rate>=0'];
  }
}

export const options = {
  scenarios,
  thresholds,
  summaryTrendStats: ['avg', 'min', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  userAgent: 'selflink-bench-feed/k6',
  noConnectionReuse: false, // keep-alive, as a real client (or the reverse proxy) would
};

// The bench user of this iteration: iterations of a scenario (across all its VUs) take the users in turn.
function user() {
  return USERS[exec.scenario.iterationInTest % USERS.length];
}

function headers(me, extra) {
  return Object.assign({ Authorization: `Bearer ${me.access}`, Accept: 'application/json' }, extra || {});
}

function tags(name) {
  return { endpoint: __ENV.ENDPOINT, name };
}

function feedBody(r) {
  try {
    const body = r.json();
    return Array.isArray(body.items) ? body : null;
  } catch (e) {
    return null;
  }
}

let reported = false;
function explainFailure(ok, res) {
  if (!ok && !reported) {
    reported = true; // say once per VU why it is failing; every failure still counts as an error
    console.error(`${__ENV.ENDPOINT} VU ${exec.vu.idInTest}: HTTP ${res.status}: ${String(res.body).slice(0, 300)}`);
  }
}

export function for_you() {
  const me = user();
  const res = http.get(`${BASE}/api/v1/feed/for_you/?limit=${LIMIT}`, {
    headers: headers(me),
    tags: tags('GET /api/v1/feed/for_you/'),
  });
  const ok = check(res, {
    'for_you: 200, a full first page with a cursor': (r) => {
      const body = r.status === 200 && feedBody(r);
      return !!body && body.items.length === LIMIT && !!body.next && !!body.items[0].why;
    },
  }, { endpoint: __ENV.ENDPOINT });
  explainFailure(ok, res);
}

export function for_you_page2() {
  const me = user();
  const res = http.get(`${BASE}/api/v1/feed/for_you/?limit=${LIMIT}&cursor=${encodeURIComponent(me.page2)}`, {
    headers: headers(me),
    tags: tags('GET /api/v1/feed/for_you/?cursor='),
  });
  const ok = check(res, {
    'for_you_page2: 200 with items': (r) => {
      const body = r.status === 200 && feedBody(r);
      return !!body && body.items.length > 0;
    },
  }, { endpoint: __ENV.ENDPOINT });
  explainFailure(ok, res);
}

export function following() {
  const me = user();
  const res = http.get(`${BASE}/api/v1/feed/following/?limit=${LIMIT}`, {
    headers: headers(me),
    tags: tags('GET /api/v1/feed/following/'),
  });
  const ok = check(res, {
    'following: 200, a full first page': (r) => {
      const body = r.status === 200 && feedBody(r);
      return !!body && body.items.length === LIMIT;
    },
  }, { endpoint: __ENV.ENDPOINT });
  explainFailure(ok, res);
}

export function posts_create() {
  const me = user();
  const text = `${config.postMarker} ${exec.scenario.iterationInTest}: load testing the feed, one post at a time`;
  const res = http.post(`${BASE}/api/v1/posts/`, JSON.stringify({ text, visibility: 'public', language: 'en' }), {
    headers: headers(me, { 'Content-Type': 'application/json' }),
    tags: tags('POST /api/v1/posts/'),
  });
  const ok = check(res, {
    'posts_create: 201 with the new post': (r) => r.status === 201 && !!r.json('id') && r.json('text') === text,
  }, { endpoint: __ENV.ENDPOINT });
  explainFailure(ok, res);
}

// Not measured: both feeds alternately, so the pool, the caches and the code paths are warm.
export function warmup() {
  if (exec.scenario.iterationInTest % 2 === 0) {
    for_you();
  } else {
    following();
  }
}

export function setup() {
  if (!USERS.length) {
    fail('no signed-in bench users in the configuration');
  }
}

export function handleSummary(data) {
  const lines = config.scenarios.filter((s) => s.measured).map((s) => {
    const reqs = data.metrics[`http_reqs{endpoint:${s.name}}`];
    return `  ${s.name}: ${reqs ? reqs.values.count : 0} requests`;
  });
  return {
    [config.summaryPath]: JSON.stringify(data, null, 2),
    stdout: `\n[k6] end-of-test summary written to ${config.summaryPath}\n${lines.join('\n')}\n`,
  };
}
