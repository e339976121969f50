# POST /api/v1/annotations/bootstrap: 202 {"job_id": "..."}  (poll GET /api/v1/jobs/{job_id})
curl -sS -i -X POST "http://127.0.0.1:8501/api/v1/annotations/bootstrap" \
  -H "Authorization: Bearer $EVALGUARD_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{"queue_id": "<queue_id>", "run_id": "<run_id>", "sample_count": 100, "stratify_by": "score"}'
