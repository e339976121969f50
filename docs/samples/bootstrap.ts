import { EvalGuard } from "@evalguard/sdk";

// 202 {"job_id": "..."}  (poll GET /api/v1/jobs/{job_id})
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "POST",
  path: "/api/v1/annotations/bootstrap",
  body: { queue_id: "<queue_id>", run_id: "<run_id>", sample_count: 100, stratify_by: "score" },
});
console.log(JSON.stringify(response, null, 2));
