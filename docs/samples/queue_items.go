package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 200 {"success": true, "added": 2, "duplicates": 0}
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/v1/annotations/queues/items", map[string]any{
		"queue_id":   "<queue_id>",
		"target_ids": []string{"<run_id>:sa-00001", "<run_id>:sa-00002"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
