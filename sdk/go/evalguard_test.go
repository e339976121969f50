package evalguard_test

// These tests talk to a real EvalGuard server: the one named by EVALGUARD_TEST_SERVER (JSON, as
// the pytest runner passes it), else one started here with `python -m tests.clients.server_fixture`
// from the repository root (its .venv's python when present).

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	evalguard "github.com/evalguard/evalguard-go"
)

type fixture struct {
	BaseURL  string            `json:"base_url"`
	Keys     map[string]string `json:"keys"`
	RunID    string            `json:"run_id"`
	CaseIDs  []string          `json:"case_ids"`
	TraceIDs []int64           `json:"trace_ids"`
	Burst    int               `json:"burst"`
}

var fx fixture

func TestMain(m *testing.M) {
	stop, err := startServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "evalguard-go tests: no EvalGuard server: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func startServer() (func(), error) {
	if raw := os.Getenv("EVALGUARD_TEST_SERVER"); raw != "" {
		return func() {}, json.Unmarshal([]byte(raw), &fx)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	cmd := exec.Command(python, "-m", "tests.clients.server_fixture")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		stdin.Close() // the fixture stops the server when its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	line := make(chan string, 1)
	go func() {
		text, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- text
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case text := <-line:
		if err := json.Unmarshal([]byte(text), &fx); err != nil {
			stop()
			return nil, fmt.Errorf("fixture said %q: %w", text, err)
		}
	case <-time.After(300 * time.Second):
		stop()
		return nil, errors.New("server fixture not ready after 300s")
	}
	return stop, nil
}

func client(role string, opts ...evalguard.Option) *evalguard.Client {
	return evalguard.NewClient(fx.Keys[role], append([]evalguard.Option{evalguard.WithBaseURL(fx.BaseURL)}, opts...)...)
}

func mustMap(t *testing.T, resp *evalguard.Response, err error) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatalf("request failed: %v", err)
	}
	m, err := resp.Map()
	if err != nil {
		t.Fatalf("body is not a JSON object: %v (%s)", err, resp.Body)
	}
	return m
}

func newQueue(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	resp, err := client("admin").Request(ctx, "POST", "/api/v1/annotations/queues",
		map[string]any{"name": name, "target_type": "eval_case"})
	q := mustMap(t, resp, err)
	if resp.StatusCode != 201 {
		t.Fatalf("create queue: status %d", resp.StatusCode)
	}
	return q["queue_id"].(string)
}

func TestQueueClaimAnnotateUntilConflict(t *testing.T) {
	ctx := context.Background()
	queueID := newQueue(t, "go-claims")
	targets := []string{fx.RunID + ":" + fx.CaseIDs[0], fx.RunID + ":" + fx.CaseIDs[1]}
	admin, rater := client("admin"), client("annotator")

	resp, err := admin.Request(ctx, "POST", "/api/v1/annotations/queues/items",
		map[string]any{"queue_id": queueID, "target_ids": targets})
	added := mustMap(t, resp, err)
	if resp.StatusCode != 200 || added["success"] != true || added["added"] != 2.0 || added["duplicates"] != 0.0 {
		t.Fatalf("bulk add: %d %v", resp.StatusCode, added)
	}

	for i := 0; i < 2; i++ {
		resp, err = rater.Request(ctx, "POST", "/api/v1/annotations/queue", map[string]any{"queue_id": queueID})
		claim := mustMap(t, resp, err)
		item := claim["item"].(map[string]any)
		if resp.StatusCode != 200 || claim["success"] != true || claim["lease_expires_at"] == nil {
			t.Fatalf("claim: %d %v", resp.StatusCode, claim)
		}
		resp, err = rater.Request(ctx, "POST", "/api/v1/annotations", map[string]any{
			"target_id": item["target_id"], "target_type": item["target_type"],
			"label": "pass", "queue_id": queueID,
		})
		ann := mustMap(t, resp, err)
		if resp.StatusCode != 200 || ann["success"] != true || ann["annotation_id"] == nil {
			t.Fatalf("annotate: %d %v", resp.StatusCode, ann)
		}
	}

	resp, err = rater.Request(ctx, "POST", "/api/v1/annotations/queue", map[string]any{"queue_id": queueID})
	var apiErr *evalguard.APIError
	if !errors.Is(err, evalguard.ErrConflict) || !errors.As(err, &apiErr) || resp.StatusCode != 409 {
		t.Fatalf("claim on an empty queue: want 409 ErrConflict, got %v", err)
	}
	if apiErr.Code != "conflict" || apiErr.Message == "" {
		t.Fatalf("409 body not decoded: %+v", apiErr)
	}
}

func TestBootstrapAnswers202WithAJobID(t *testing.T) {
	queueID := newQueue(t, "go-bootstrap")
	resp, err := client("admin").Request(context.Background(), "POST", "/api/v1/annotations/bootstrap",
		map[string]any{"queue_id": queueID, "run_id": fx.RunID, "sample_count": 10})
	job := mustMap(t, resp, err)
	if resp.StatusCode != 202 || job["job_id"] == "" || job["job_id"] == nil {
		t.Fatalf("bootstrap: %d %v", resp.StatusCode, job)
	}
}

func TestTypedErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		client *evalguard.Client
		method string
		path   string
		body   any
		want   error
	}{
		{"unknown field", client("annotator"), "POST", "/api/v1/annotations",
			map[string]any{"target_id": "x", "target_type": "eval_case", "annotator": "mallory"}, evalguard.ErrValidation},
		{"bad key", evalguard.NewClient("eg_not_a_key", evalguard.WithBaseURL(fx.BaseURL)), "GET", "/api/v1/runs", nil, evalguard.ErrUnauthorized},
		{"viewer creates a queue", client("viewer"), "POST", "/api/v1/annotations/queues",
			map[string]any{"name": "nope", "target_type": "eval_case"}, evalguard.ErrForbidden},
		{"unknown queue", client("viewer"), "GET", "/api/v1/annotations/queues/00000000-0000-0000-0000-000000000000", nil, evalguard.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.client.Request(ctx, tc.method, tc.path, tc.body)
			if !errors.Is(err, tc.want) {
				t.Fatalf("want %v, got %v", tc.want, err)
			}
			var apiErr *evalguard.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != resp.StatusCode || apiErr.Message == "" {
				t.Fatalf("APIError not filled: %+v", apiErr)
			}
		})
	}
	// A 400 names the field at fault.
	_, err := client("annotator").Request(ctx, "POST", "/api/v1/annotations",
		map[string]any{"target_id": "x", "target_type": "eval_case", "annotator": "mallory"})
	var apiErr *evalguard.APIError
	if !errors.As(err, &apiErr) || !containsText(apiErr.Details, "annotator") {
		t.Fatalf("400 details do not name the field: %+v", apiErr)
	}
	if _, err := evalguard.NewClient("", evalguard.WithBaseURL(fx.BaseURL)).Request(ctx, "GET", "/api/v1/runs", nil); !errors.Is(err, evalguard.ErrNoAPIKey) {
		t.Fatalf("empty key: want ErrNoAPIKey, got %v", err)
	}
}

func containsText(v any, text string) bool {
	raw, _ := json.Marshal(v)
	return strings.Contains(string(raw), text)
}

func TestTasksEndpoints(t *testing.T) {
	ctx := context.Background()
	admin, rater := client("admin"), client("annotator")
	resp, err := admin.Request(ctx, "POST", "/api/annotations/tasks",
		map[string]any{"name": "go-task", "traceIds": fx.TraceIDs[:2], "labelOptions": []string{"good", "bad"}})
	task := mustMap(t, resp, err)
	if resp.StatusCode != 201 || task["itemCount"] != 2.0 {
		t.Fatalf("create task: %d %v", resp.StatusCode, task)
	}
	taskID := task["id"].(string)

	resp, err = rater.Request(ctx, "GET", "/api/annotations/tasks", nil)
	list := mustMap(t, resp, err)
	if _, ok := list["tasks"].([]any); !ok || resp.StatusCode != 200 {
		t.Fatalf("list tasks: %d %v", resp.StatusCode, list)
	}

	resp, err = rater.Request(ctx, "GET", "/api/annotations/tasks/"+taskID, nil)
	detail := mustMap(t, resp, err)
	items := detail["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("task items: %v", detail)
	}
	itemID := items[0].(map[string]any)["id"].(string)

	resp, err = rater.Request(ctx, "POST", "/api/annotations/tasks/"+taskID+"/items",
		map[string]any{"itemId": itemID, "label": "good", "notes": "from Go"})
	labelled := mustMap(t, resp, err)
	if resp.StatusCode != 200 || labelled["labeledBy"] != "annotator" || labelled["labeledAt"] == nil {
		t.Fatalf("label item: %d %v", resp.StatusCode, labelled)
	}
}

// burst sends n concurrent GETs with the `burst` key and returns their errors.
func burst(c *evalguard.Client, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = c.Request(context.Background(), "GET", "/api/v1/annotations/queues", nil)
		}(i)
	}
	wg.Wait()
	return errs
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	// The fixture's per-key limit is met by a burst of fx.Burst concurrent requests.
	var limited *evalguard.APIError
	for _, err := range burst(client("burst", evalguard.WithMaxRetries(0)), fx.Burst) {
		if errors.Is(err, evalguard.ErrRateLimited) {
			errors.As(err, &limited)
		} else if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if limited == nil || limited.RetryAfter < time.Second {
		t.Fatalf("no 429 with Retry-After >= 1s in a burst without retries: %+v", limited)
	}
	time.Sleep(limited.RetryAfter + 200*time.Millisecond) // let the window empty

	// With the default two retries a burst of half the size gets through: 3 attempts x the
	// limit, twice what it needs, as retries are not aligned with the moving window.
	for _, err := range burst(client("burst"), fx.Burst/2) {
		if err != nil {
			t.Fatalf("with retries every request of a burst must succeed: %v", err)
		}
	}

	// A Retry-After longer than MaxRetryWait is returned at once instead of waited for.
	errs := burst(client("burst", evalguard.WithMaxRetryWait(0)), fx.Burst)
	rateLimited := 0
	for _, err := range errs {
		if errors.Is(err, evalguard.ErrRateLimited) {
			rateLimited++
		}
	}
	if rateLimited == 0 {
		t.Fatalf("MaxRetryWait 0: want some 429s returned, got none")
	}
}

func TestBaseURLFromEnvironmentAndDefault(t *testing.T) {
	t.Setenv("EVALGUARD_BASE_URL", "")
	if got := evalguard.NewClient("k").BaseURL; got != evalguard.DefaultBaseURL {
		t.Fatalf("default base URL: %s", got)
	}
	t.Setenv("EVALGUARD_BASE_URL", fx.BaseURL+"/")
	c := evalguard.NewClient(fx.Keys["viewer"])
	resp, err := c.Request(context.Background(), "GET", "/api/v1/runs", nil)
	runs := mustMap(t, resp, err)
	if c.BaseURL != fx.BaseURL || len(runs["runs"].([]any)) == 0 {
		t.Fatalf("EVALGUARD_BASE_URL not used: %s %v", c.BaseURL, runs)
	}
}

func TestParseRetryAfter(t *testing.T) {
	if d := evalguard.ParseRetryAfter("3"); d != 3*time.Second {
		t.Fatalf("delta-seconds: %v", d)
	}
	if d := evalguard.ParseRetryAfter(""); d != time.Second {
		t.Fatalf("absent: %v", d)
	}
	future := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	if d := evalguard.ParseRetryAfter(future); d <= 3*time.Second || d > 6*time.Second {
		t.Fatalf("HTTP date: %v", d)
	}
}
