import json
import os

from evalguard import EvalGuard

# 200 the task with "items": [{"id", "traceId", "label", "labeledBy", "input", ...}]
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="GET",
    path="/api/annotations/tasks/<task_id>",
)
print(json.dumps(response, indent=2))
