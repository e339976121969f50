import json
import os

from evalguard import EvalGuard

# 201 the task: {"id", "name", "status": "draft", "itemCount": 2, ...}
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="POST",
    path="/api/annotations/tasks",
    body={
        "name": "Spot-check refusals",
        "traceIds": [1, 2],
        "instructions": "Is the refusal justified?",
        "labelOptions": ["pass", "fail"],
    },
)
print(json.dumps(response, indent=2))
