# POST /api/v1/annotations/queue: 200 {"success": true, "item": {"item_id", "target_id", ...}, "lease_expires_at": ...} or 409
curl -sS -i -X POST "http://127.0.0.1:8501/api/v1/annotations/queue" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"queue_id": "<queue_id>"}'
