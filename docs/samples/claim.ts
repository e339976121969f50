import { ConflictError, EvalGuard } from "@evalguard/sdk";

// 200 {"success": true, "item": {"item_id", "target_id", ...}, "lease_expires_at": ...} or 409
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
try {
  const response = await client.request({
    method: "POST",
    path: "/api/v1/annotations/queue",
    body: { queue_id: "<queue_id>" },
  });
  console.log(JSON.stringify(response, null, 2));
} catch (err) {
  if (!(err instanceof ConflictError)) throw err;
  console.log(409, err.message); // nothing left to claim for you right now
}
