import { EvalGuard } from "@evalguard/sdk";

// 200 the task with "items": [{"id", "traceId", "label", "labeledBy", "input", ...}]
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "GET",
  path: "/api/annotations/tasks/<task_id>",
});
console.log(JSON.stringify(response, null, 2));
