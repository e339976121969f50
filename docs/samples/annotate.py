import json
import os

from evalguard import EvalGuard

# 200 {"success": true, "annotation_id": "...", "updated": false}
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="POST",
    path="/api/v1/annotations",
    body={
        "target_id": "<run_id>:sa-00001",
        "target_type": "eval_case",
        "label": "pass",
        "comment": "correct and concise",
    },
)
print(json.dumps(response, indent=2))
