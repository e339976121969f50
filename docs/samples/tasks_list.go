package main

import (
	"context"
	"fmt"
	"log"
	"os"

	evalguard "github.com/evalguard/evalguard-go"
)

func main() {
	// 200 {"tasks": [{"id", "name", "labelOptions", "status", "itemCount", "completedCount", ...}]}
	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
	resp, err := client.Request(context.Background(), "GET", "/api/annotations/tasks", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(resp.Body))
}
