package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 200 {"success": true, "annotation_id": "...", "updated": false}
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/v1/annotations", map[string]any{
		"target_id":   "<run_id>:sa-00001",
		"target_type": "eval_case",
		"label":       "pass",
		"comment":     "correct and concise",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
