package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 200 the labelled item: {"id", "label", "notes", "labeledAt", "labeledBy", ...}
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/annotations/tasks/<task_id>/items", map[string]any{
		"itemId": "<item_id>",
		"label":  "pass",
		"notes":  "refusal is justified",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
