import json
import os

from evalguard import EvalGuard

# 200 {"success": true, "added": 2, "duplicates": 0}
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="POST",
    path="/api/v1/annotations/queues/items",
    body={"queue_id": "<queue_id>", "target_ids": ["<run_id>:sa-00001", "<run_id>:sa-00002"]},
)
print(json.dumps(response, indent=2))
