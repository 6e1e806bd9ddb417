// End-to-end check of the generated TypeScript client against a running SelfLink server.
//
//   just client-ts
//   SELFLINK_API=http://127.0.0.1:8000 .venv/bin/python scripts/client_ts.py run scripts/client_ts/e2e.ts
//
// Registers two fresh users, signs in as the first, rotates the refresh token, reads /users/me/ with the new
// access token, follows the second user and reads them back. Exit code 0 and one summary line on success;
// exit code 1 and the failing step on any mismatch. tests/e2e/test_ts_client.py runs it against live daphne.
import { createSelfLinkClient, type Schemas } from "../../clients/ts/src/index.ts";

class Mismatch extends Error {}

/** What every openapi-fetch call resolves to: `data` on a documented success, `error` otherwise. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function fail(step: string, message: string): never {
  throw new Mismatch(`${step}: ${message}`);
}

/** The body of a response that must have `status`; anything else is a mismatch that names the step. */
function expectStatus<T>(step: string, status: number, outcome: Outcome<T>): T {
  const { response, data, error } = outcome;
  if (response.status !== status || data === undefined) {
    const body = JSON.stringify(error ?? data ?? null);
    fail(step, `${response.url} answered HTTP ${response.status}, expected ${status}; body: ${body}`);
  }
  return data;
}

function expectEqual<T extends string | number | boolean | null | undefined>(
  step: string,
  what: string,
  actual: T,
  expected: T,
): void {
  if (actual !== expected) {
    fail(step, `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function expectToken(step: string, what: string, value: string): void {
  if (value.length < 16) {
    fail(step, `${what} looks empty or truncated: ${JSON.stringify(value)}`);
  }
}

async function main(baseUrl: string): Promise<string> {
  let accessToken: string | undefined;
  const api = createSelfLinkClient(baseUrl, () => accessToken);

  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const password = "e2e passphrase 2026 ok";
  const first: Schemas["RegisterIn"] = { email: `e2e-first-${stamp}@example.com`, password, name: "E2E First" };
  const second: Schemas["RegisterIn"] = { email: `e2e-second-${stamp}@example.com`, password, name: "E2E Second" };

  const registeredFirst: Schemas["AuthOut"] = expectStatus(
    "register first user",
    201,
    await api.POST("/api/v1/auth/register/", { body: first }),
  );
  expectEqual("register first user", "user.email", registeredFirst.user.email, first.email);
  const registeredSecond = expectStatus(
    "register second user",
    201,
    await api.POST("/api/v1/auth/register/", { body: second }),
  );
  expectEqual("register second user", "user.email", registeredSecond.user.email, second.email);
  const firstId: number = registeredFirst.user.id;
  const secondId: number = registeredSecond.user.id;
  if (firstId === secondId) {
    fail("register", `both users got id ${firstId}`);
  }

  const login = expectStatus(
    "login",
    200,
    await api.POST("/api/v1/auth/login/", { body: { email: first.email, password } }),
  );
  expectEqual("login", "user.id", login.user.id, firstId);
  expectToken("login", "token", login.token);
  expectToken("login", "refreshToken", login.refreshToken);

  const pair: Schemas["TokenPairOut"] = expectStatus(
    "refresh",
    200,
    await api.POST("/api/v1/auth/refresh/", { body: { refresh: login.refreshToken } }),
  );
  expectToken("refresh", "token", pair.token);
  if (pair.refreshToken === login.refreshToken) {
    fail("refresh", "the refresh token was not rotated (the new one equals the old one)");
  }

  // No token yet: the middleware sends no Authorization header and the server refuses.
  const anonymous = await api.GET("/api/v1/users/me/");
  expectEqual("users/me without a token", "HTTP status", anonymous.response.status, 401);

  accessToken = pair.token;
  const me: Schemas["UserMeOut"] = expectStatus("users/me", 200, await api.GET("/api/v1/users/me/"));
  expectEqual("users/me", "id", me.id, firstId);
  expectEqual("users/me", "email", me.email, first.email);

  const follow: Schemas["FollowStateOut"] = expectStatus(
    "follow",
    200,
    await api.POST("/api/v1/users/{user_id}/follow/", { params: { path: { user_id: secondId } } }),
  );
  expectEqual("follow", "is_following", follow.is_following, true);
  expectEqual("follow", "followers_count", follow.followers_count, 1);

  const followed: Schemas["UserOut"] = expectStatus(
    "users/{id}",
    200,
    await api.GET("/api/v1/users/{user_id}/", { params: { path: { user_id: secondId } } }),
  );
  expectEqual("users/{id}", "id", followed.id, secondId);
  expectEqual("users/{id}", "is_following", followed.is_following, true);
  expectEqual("users/{id}", "followers_count", followed.followers_count, 1);

  return (
    `e2e ok against ${baseUrl}: registered #${firstId} and #${secondId}, login + refresh (rotated), ` +
    `me=#${me.id} ${me.email}, followed #${secondId} (is_following=true, followers_count=1)`
  );
}

const baseUrl = process.env["SELFLINK_API"];
if (baseUrl === undefined || baseUrl === "") {
  console.error("e2e FAILED: set SELFLINK_API to the server root, e.g. http://127.0.0.1:8000");
  process.exit(2);
}
try {
  console.log(await main(baseUrl));
} catch (error: unknown) {
  if (error instanceof Mismatch) {
    console.error(`e2e FAILED at ${error.message}`);
  } else {
    // e.g. the server is not reachable: fetch() rejects with a TypeError whose `cause` says why.
    const cause = error instanceof Error && error.cause !== undefined ? ` (cause: ${String(error.cause)})` : "";
    console.error(`e2e FAILED with an unexpected error: ${error instanceof Error ? error.stack : String(error)}${cause}`);
  }
  process.exitCode = 1;
}
