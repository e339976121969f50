# GET /api/annotations/tasks/{task_id}: 200 the task with "items": [{"id", "traceId", "label", "labeledBy", "input", ...}]
curl -sS -i -X GET "http://127.0.0.1:8501/api/annotations/tasks/<task_id>" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY"
