import { EvalGuard } from "@evalguard/sdk";

// 200 {"success": true, "annotation_id": "...", "updated": false}
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "POST",
  path: "/api/v1/annotations",
  body: { target_id: "<run_id>:sa-00001", target_type: "eval_case", label: "pass", comment: "correct and concise" },
});
console.log(JSON.stringify(response, null, 2));
