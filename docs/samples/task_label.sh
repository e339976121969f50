# POST /api/annotations/tasks/{task_id}/items: 200 the labelled item: {"id", "label", "notes", "labeledAt", "labeledBy", ...}
curl -sS -i -X POST "http://127.0.0.1:8501/api/annotations/tasks/<task_id>/items" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"itemId": "<item_id>", "label": "pass", "notes": "refusal is justified"}'
