// @evalguard/sdk against a real EvalGuard server: documented statuses and bodies, typed errors,
// the bounded Retry-After retry, and the base URL from the environment.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import {
  AuthenticationError,
  ConflictError,
  DEFAULT_BASE_URL,
  EvalGuard,
  EvalGuardError,
  NotFoundError,
  parseRetryAfter,
  PermissionDeniedError,
  RateLimitedError,
  ValidationError,
} from "../src/index.js";
import { startServer, type Fixture } from "./server.js";

let fx: Fixture;
let stop: () => Promise<void> = async () => {};

before(async () => {
  ({ fixture: fx, stop } = await startServer());
});
after(async () => stop());

const client = (role: string, options: Partial<ConstructorParameters<typeof EvalGuard>[0]> = {}) =>
  new EvalGuard({ apiKey: fx.keys[role], baseUrl: fx.base_url, ...options });

async function newQueue(name: string): Promise<string> {
  const queue = await client("admin").request<{ queue_id: string }>({
    method: "POST",
    path: "/api/v1/annotations/queues",
    body: { name, target_type: "eval_case" },
  });
  return queue.queue_id;
}

test("bulk add, claim, annotate, then 409 ConflictError when the queue is empty", async () => {
  const queueId = await newQueue("ts-claims");
  const admin = client("admin");
  const rater = client("annotator");
  const added = await admin.request({
    method: "POST",
    path: "/api/v1/annotations/queues/items",
    body: { queue_id: queueId, target_ids: [`${fx.run_id}:${fx.case_ids[0]}`, `${fx.run_id}:${fx.case_ids[1]}`] },
  });
  assert.deepEqual(added, { success: true, added: 2, duplicates: 0 });
  for (let i = 0; i < 2; i++) {
    const claim = await rater.request({ method: "POST", path: "/api/v1/annotations/queue", body: { queue_id: queueId } });
    assert.equal(claim.success, true);
    assert.ok(claim.lease_expires_at);
    const annotation = await rater.request({
      method: "POST",
      path: "/api/v1/annotations",
      body: { target_id: claim.item.target_id, target_type: claim.item.target_type, label: "pass", queue_id: queueId },
    });
    assert.equal(annotation.success, true);
    assert.ok(annotation.annotation_id);
  }
  await assert.rejects(
    rater.request({ method: "POST", path: "/api/v1/annotations/queue", body: { queue_id: queueId } }),
    (err: unknown) => err instanceof ConflictError && err.status === 409 && err.code === "conflict" && err.message !== "",
  );
});

test("bootstrap answers with a job_id", async () => {
  const queueId = await newQueue("ts-bootstrap");
  const job = await client("admin").request<{ job_id: string }>({
    method: "POST",
    path: "/api/v1/annotations/bootstrap",
    body: { queue_id: queueId, run_id: fx.run_id, sample_count: 10 },
  });
  assert.match(job.job_id, /^[0-9a-f-]{36}$/);
});

test("the EvalGate tasks endpoints", async () => {
  const task = await client("admin").request({
    method: "POST",
    path: "/api/annotations/tasks",
    body: { name: "ts-task", traceIds: fx.trace_ids.slice(0, 2), labelOptions: ["good", "bad"] },
  });
  assert.equal(task.itemCount, 2);
  const rater = client("annotator");
  const list = await rater.request({ method: "GET", path: "/api/annotations/tasks" });
  assert.ok(list.tasks.some((t: { id: string }) => t.id === task.id));
  const detail = await rater.request({ method: "GET", path: `/api/annotations/tasks/${task.id}` });
  assert.equal(detail.items.length, 2);
  const item = await rater.request({
    method: "POST",
    path: `/api/annotations/tasks/${task.id}/items`,
    body: { itemId: detail.items[0].id, label: "good", notes: "from TypeScript" },
  });
  assert.equal(item.labeledBy, "annotator");
  assert.ok(item.labeledAt);
});

test("errors are typed and carry the server's code, message and details", async () => {
  const invalid = client("annotator").request({
    method: "POST",
    path: "/api/v1/annotations",
    body: { target_id: "x", target_type: "eval_case", annotator: "mallory" },
  });
  await assert.rejects(invalid, (err: unknown) => {
    assert.ok(err instanceof ValidationError && err instanceof EvalGuardError);
    assert.equal(err.status, 400);
    assert.match(JSON.stringify(err.details), /annotator/);
    return true;
  });
  await assert.rejects(
    new EvalGuard({ apiKey: "eg_not_a_key", baseUrl: fx.base_url }).request({ method: "GET", path: "/api/v1/runs" }),
    AuthenticationError,
  );
  await assert.rejects(
    client("viewer").request({ method: "POST", path: "/api/v1/annotations/queues", body: { name: "no", target_type: "eval_case" } }),
    PermissionDeniedError,
  );
  await assert.rejects(
    client("viewer").request({ method: "GET", path: "/api/v1/annotations/queues/00000000-0000-0000-0000-000000000000" }),
    NotFoundError,
  );
  const saved = process.env.EVALGUARD_API_KEY;
  delete process.env.EVALGUARD_API_KEY;
  try {
    assert.throws(() => new EvalGuard({ baseUrl: fx.base_url }), AuthenticationError);
  } finally {
    if (saved !== undefined) process.env.EVALGUARD_API_KEY = saved;
  }
});

async function burst(c: EvalGuard, n: number): Promise<unknown[]> {
  const results = await Promise.allSettled(
    Array.from({ length: n }, () => c.request({ method: "GET", path: "/api/v1/annotations/queues" })),
  );
  return results.map((r) => (r.status === "rejected" ? r.reason : null));
}

test("a 429 is retried after Retry-After, within maxRetries and maxRetryWait", async () => {
  const errors = await burst(client("burst", { maxRetries: 0 }), fx.burst);
  const limited = errors.filter((e): e is RateLimitedError => e instanceof RateLimitedError);
  assert.ok(limited.length > 0, "a burst without retries meets the limit");
  assert.deepEqual(errors.filter((e) => e !== null && !(e instanceof RateLimitedError)), []);
  assert.ok(limited[0].retryAfter >= 1 && limited[0].status === 429);
  await new Promise((r) => setTimeout(r, limited[0].retryAfter * 1000 + 200)); // let the window empty

  // With the default two retries a burst of half the size gets through: 3 attempts x the limit,
  // twice what it needs, as retries are not aligned with the moving window.
  const half = Math.floor(fx.burst / 2);
  assert.deepEqual((await burst(client("burst"), half)).filter((e) => e !== null), []);

  const impatient = await burst(client("burst", { maxRetryWait: 0 }), fx.burst);
  assert.ok(impatient.some((e) => e instanceof RateLimitedError), "a Retry-After over maxRetryWait is thrown at once");
});

test("the server comes from baseUrl, else EVALGUARD_BASE_URL, else the default", async () => {
  const saved = process.env.EVALGUARD_BASE_URL;
  try {
    delete process.env.EVALGUARD_BASE_URL;
    assert.equal(new EvalGuard({ apiKey: "k" }).baseUrl, DEFAULT_BASE_URL);
    process.env.EVALGUARD_BASE_URL = `${fx.base_url}/`;
    const c = new EvalGuard({ apiKey: fx.keys.viewer });
    assert.equal(c.baseUrl, fx.base_url);
    const runs = await c.request({ method: "GET", path: "/api/v1/runs" });
    assert.ok(runs.runs.length > 0);
  } finally {
    if (saved === undefined) delete process.env.EVALGUARD_BASE_URL;
    else process.env.EVALGUARD_BASE_URL = saved;
  }
});

test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("3"), 3);
  assert.equal(parseRetryAfter(null), 1);
  const inFive = parseRetryAfter(new Date(Date.now() + 5000).toUTCString());
  assert.ok(inFive > 3 && inFive <= 5, String(inFive));
});
