package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 202 {"job_id": "..."}  (poll GET /api/v1/jobs/{job_id})
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/v1/annotations/bootstrap", map[string]any{
		"queue_id":     "<queue_id>",
		"run_id":       "<run_id>",
		"sample_count": 100,
		"stratify_by":  "score",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
