import json
import os

from evalguard import EvalGuard

# 200 the labelled item: {"id", "label", "notes", "labeledAt", "labeledBy", ...}
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="POST",
    path="/api/annotations/tasks/<task_id>/items",
    body={"itemId": "<item_id>", "label": "pass", "notes": "refusal is justified"},
)
print(json.dumps(response, indent=2))
