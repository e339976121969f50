# GET /api/annotations/tasks: 200 {"tasks": [{"id", "name", "labelOptions", "status", "itemCount", "completedCount", ...}]}
curl -sS -i -X GET "http://127.0.0.1:8501/api/annotations/tasks" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY"
