import { EvalGuard } from "@evalguard/sdk";

// 200 {"tasks": [{"id", "name", "labelOptions", "status", "itemCount", "completedCount", ...}]}
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "GET",
  path: "/api/annotations/tasks",
});
console.log(JSON.stringify(response, null, 2));
