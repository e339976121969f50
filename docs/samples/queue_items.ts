import { EvalGuard } from "@evalguard/sdk";

// 200 {"success": true, "added": 2, "duplicates": 0}
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "POST",
  path: "/api/v1/annotations/queues/items",
  body: { queue_id: "<queue_id>", target_ids: ["<run_id>:sa-00001", "<run_id>:sa-00002"] },
});
console.log(JSON.stringify(response, null, 2));
