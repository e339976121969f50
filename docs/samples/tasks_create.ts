import { EvalGuard } from "@evalguard/sdk";

// 201 the task: {"id", "name", "status": "draft", "itemCount": 2, ...}
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "POST",
  path: "/api/annotations/tasks",
  body: { name: "Spot-check refusals", traceIds: [1, 2], instructions: "Is the refusal justified?", labelOptions: ["pass", "fail"] },
});
console.log(JSON.stringify(response, null, 2));
