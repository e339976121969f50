import { EvalGuard } from "@evalguard/sdk";

// 200 the labelled item: {"id", "label", "notes", "labeledAt", "labeledBy", ...}
const client = new EvalGuard({ apiKey: process.env.EVALGUARD_API_KEY });
const response = await client.request({
  method: "POST",
  path: "/api/annotations/tasks/<task_id>/items",
  body: { itemId: "<item_id>", label: "pass", notes: "refusal is justified" },
});
console.log(JSON.stringify(response, null, 2));
