package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 200 {"success": true, "item": {"item_id", "target_id", ...}, "lease_expires_at": ...} or 409
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "POST", "/api/v1/annotations/queue", map[string]any{
		"queue_id": "<queue_id>",
	})
	if errors.Is(err, evalguard.ErrConflict) { // nothing left to claim for you right now
		fmt.Println(resp.StatusCode, err)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
