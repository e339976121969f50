# POST /api/v1/annotations/queues/items: 200 {"success": true, "added": 2, "duplicates": 0}
curl -sS -i -X POST "http://127.0.0.1:8501/api/v1/annotations/queues/items" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"queue_id": "<queue_id>", "target_ids": ["<run_id>:sa-00001", "<run_id>:sa-00002"]}'
