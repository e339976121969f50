import json
import os

from evalguard import EvalGuard

# 200 {"tasks": [{"id", "name", "labelOptions", "status", "itemCount", "completedCount", ...}]}
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="GET",
    path="/api/annotations/tasks",
)
print(json.dumps(response, indent=2))
