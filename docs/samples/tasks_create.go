package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 201 the task: {"id", "name", "status": "draft", "itemCount": 2, ...}
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/annotations/tasks", map[string]any{
		"name":         "Spot-check refusals",
		"traceIds":     []int{1, 2},
		"instructions": "Is the refusal justified?",
		"labelOptions": []string{"pass", "fail"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
