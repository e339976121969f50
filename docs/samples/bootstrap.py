import json
import os

from evalguard import EvalGuard

# 202 {"job_id": "..."}  (poll GET /api/v1/jobs/{job_id})
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
response = client.request(
    method="POST",
    path="/api/v1/annotations/bootstrap",
    body={
        "queue_id": "<queue_id>",
        "run_id": "<run_id>",
        "sample_count": 100,
        "stratify_by": "score",
    },
)
print(json.dumps(response, indent=2))
