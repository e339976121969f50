# POST /api/v1/annotations: 200 {"success": true, "annotation_id": "...", "updated": false}
curl -sS -i -X POST "http://127.0.0.1:8501/api/v1/annotations" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"target_id": "<run_id>:sa-00001", "target_type": "eval_case", "label": "pass", "comment": "correct and concise"}'
