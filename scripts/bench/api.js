// k6 load test of one SelfLink API endpoint, driven by scripts/bench/api.py (`just bench`), which runs k6 once per
// endpoint so that the server's CPU and memory can be measured for each.
//
// Everything comes from the JSON file named by the BENCH_CONFIG environment variable (written by api.py): the base
// URL, the scenario (`endpoint`: one of the functions below, or `warmup`), the VUs and the duration, the file of the
// seeded users (id, e-mail, an access token of an open session each), the bench password, the seeded direct threads
// (id and members) and where to write the end-of-test summary.
//
// One constant-vus scenario, VUs looping without think time (closed model: throughput = VUs / latency) on keep-alive
// connections. Iteration i of the scenario (counted over all VUs) acts as user i mod N, so the requests cover every
// seeded user in turn instead of one per VU:
//   users_me         GET  /api/v1/users/me/
//   feed_following   GET  /api/v1/feed/following/      first page, newest first
//   feed_home        GET  /api/v1/feed/home/           first page
//   feed_for_you     GET  /api/v1/feed/for_you/        first page without a cursor: a new ranking every request
//   posts_create     POST /api/v1/posts/               a JSON text post
//   messages_create  POST /api/v1/messages/            a message to a seeded direct thread, by one of its members
//   auth_login       POST /api/v1/auth/login/          e-mail and password (Argon2), a new session each
// Requests are tagged `endpoint:<scenario>`; handleSummary writes k6's end-of-test data as JSON to the path in the
// config, where api.py reads the sub-metrics.

import { check, fail } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';

const config = JSON.parse(open(__ENV.BENCH_CONFIG));
const BASE = config.baseUrl;
const ENDPOINT = config.endpoint;
// Every VU reads the config; the users (an access token each, ~300 bytes) are shared between them, read once.
const USERS = new SharedArray('users', () => JSON.parse(open(config.usersPath)));
const THREADS = config.threads;
const MEASURED = ENDPOINT !== 'warmup';

const thresholds = {};
if (MEASURED) {
  // k6 puts a tag-filtered sub-metric into the summary only when a threshold names it. These thresholds always pass:
  // the pass/fail rule (error rate <= 1%; none with --smoke) is applied by api.py.
  thresholds[`http_reqs{endpoint:${ENDPOINT}}`] = ['count>=0'];
  thresholds[`http_req_duration{endpoint:${ENDPOINT}}`] = ['max>=0'];
  thresholds[`http_req_failed{endpoint:${ENDPOINT}}`] = ['rate>=0'];
  thresholds[`checks{endpoint:${ENDPOINT}}`] = ['rate>=0'];
}

export const options = {
  scenarios: {
    [ENDPOINT]: {
      executor: 'constant-vus',
      exec: ENDPOINT,
      vus: config.vus,
      duration: `${config.durationSeconds}s`,
      gracefulStop: '10s',
      tags: { endpoint: ENDPOINT },
    },
  },
  thresholds,
  summaryTrendStats: ['avg', 'min', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'],
  userAgent: 'selflink-bench/k6',
  noConnectionReuse: false, // keep-alive, as a real client (or the reverse proxy) would
};

// The bench user of this iteration: the scenario's iterations take the seeded users in turn.
function user() {
  return USERS[exec.scenario.iterationInTest % USERS.length];
}

function headers(me, extra) {
  return Object.assign({ Authorization: `Bearer ${me.token}`, Accept: 'application/json' }, extra || {});
}

function json(r) {
  try {
    return r.json();
  } catch (e) {
    return null;
  }
}

let reported = false;
function verify(res, name, condition) {
  const ok = check(res, { [name]: condition });
  if (!ok && !reported) {
    reported = true; // say once per VU why it is failing; every failure still counts as an error
    console.error(`${ENDPOINT} VU ${exec.vu.idInTest}: HTTP ${res.status}: ${String(res.body).slice(0, 300)}`);
  }
}

export function users_me() {
  const me = user();
  const res = http.get(`${BASE}/api/v1/users/me/`, { headers: headers(me) });
  verify(res, 'users_me: 200 and my own id', (r) => r.status === 200 && json(r) !== null && r.json('id') === me.id);
}

function feed(name) {
  const me = user();
  const res = http.get(`${BASE}/api/v1/feed/${name}/?limit=${config.pageSize}`, { headers: headers(me) });
  verify(res, `feed_${name}: 200 and a page of items`, (r) => {
    const body = r.status === 200 && json(r);
    return !!body && Array.isArray(body.items) && (config.fullPages ? body.items.length === config.pageSize : true);
  });
}

export function feed_following() {
  feed('following');
}

export function feed_home() {
  feed('home');
}

export function feed_for_you() {
  feed('for_you'); // no cursor: the first page, ranked anew for this request
}

export function posts_create() {
  const me = user();
  const text = `${config.marker} ${exec.scenario.iterationInTest}: load testing, one post at a time`;
  const res = http.post(`${BASE}/api/v1/posts/`, JSON.stringify({ text, visibility: 'public', language: 'en' }), {
    headers: headers(me, { 'Content-Type': 'application/json' }),
  });
  verify(res, 'posts_create: 201 with the new post', (r) => r.status === 201 && json(r) !== null && r.json('text') === text);
}

export function messages_create() {
  const iteration = exec.scenario.iterationInTest;
  const thread = THREADS[iteration % THREADS.length];
  const sender = thread.members[Math.floor(iteration / THREADS.length) % thread.members.length];
  const body = `${config.marker} ${iteration}`;
  const res = http.post(
    `${BASE}/api/v1/messages/`,
    JSON.stringify({ thread: thread.id, body, client_uuid: `${config.runId}-${iteration}` }),
    { headers: { Authorization: `Bearer ${sender.token}`, Accept: 'application/json', 'Content-Type': 'application/json' } },
  );
  verify(res, 'messages_create: 201 with the new message', (r) => r.status === 201 && json(r) !== null && r.json('body') === body);
}

export function auth_login() {
  const me = user();
  const res = http.post(`${BASE}/api/v1/auth/login/`, JSON.stringify({ email: me.email, password: config.password }), {
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  verify(res, 'auth_login: 200 with a token pair', (r) => r.status === 200 && json(r) !== null && !!r.json('token')
    && !!r.json('refreshToken'));
}

// Not measured: the reads, in turn, so that every worker's pool, caches and code paths are warm.
export function warmup() {
  const steps = [users_me, feed_following, feed_home, feed_for_you];
  steps[exec.scenario.iterationInTest % steps.length]();
}

export function setup() {
  if (!USERS.length) {
    fail('no seeded users in the configuration');
  }
}

export function handleSummary(data) {
  const reqs = data.metrics[`http_reqs{endpoint:${ENDPOINT}}`];
  return {
    [config.summaryPath]: JSON.stringify(data, null, 2),
    stdout: MEASURED ? `[k6] ${ENDPOINT}: ${reqs ? reqs.values.count : 0} requests\n` : '',
  };
}
