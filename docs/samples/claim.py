import json
import os

from evalguard import ConflictError, EvalGuard

# 200 {"success": true, "item": {"item_id", "target_id", ...}, "lease_expires_at": ...} or 409
client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
try:
    response = client.request(
        method="POST",
        path="/api/v1/annotations/queue",
        body={"queue_id": "<queue_id>"},
    )
    print(json.dumps(response, indent=2))
except ConflictError as exc:  # 409: nothing left to claim for you right now
    print("409", exc.message)
