# POST /api/annotations/tasks: 201 the task: {"id", "name", "status": "draft", "itemCount": 2, ...}
curl -sS -i -X POST "http://127.0.0.1:8501/api/annotations/tasks" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"name": "Spot-check refusals", "traceIds": [1, 2], "instructions": "Is the refusal justified?", "labelOptions": ["pass", "fail"]}'
