// Package evalguard is a thin client for the EvalGuard REST API (standard library only).
//
//	client := evalguard.NewClient(os.Getenv("EVALGUARD_API_KEY"))
//	resp, err := client.Request(context.Background(), "POST", "/api/v1/annotations/queue",
//		map[string]any{"queue_id": queueID})
//	if errors.Is(err, evalguard.ErrConflict) { /* nothing left to claim */ }
//	var claim map[string]any
//	err = resp.Decode(&claim)
//
// The server comes from WithBaseURL, else the environment variable EVALGUARD_BASE_URL, else
// DefaultBaseURL (what `evalguard serve` listens on). A 429 is retried after its Retry-After,
// at most MaxRetries times and only while the wait is at most MaxRetryWait.
package evalguard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is the server used when neither WithBaseURL nor EVALGUARD_BASE_URL is set.
const DefaultBaseURL = "http://127.0.0.1:8501"

// Defaults for the bounded Retry-After retry of a 429.
const (
	DefaultMaxRetries   = 2
	DefaultMaxRetryWait = 10 * time.Second
)

// Sentinel errors for errors.Is; every *APIError matches the one for its status.
var (
	ErrValidation   = errors.New("evalguard: invalid input (400)")
	ErrUnauthorized = errors.New("evalguard: missing or invalid API key (401)")
	ErrForbidden    = errors.New("evalguard: role too low (403)")
	ErrNotFound     = errors.New("evalguard: not found (404)")
	ErrConflict     = errors.New("evalguard: conflict (409)")
	ErrRateLimited  = errors.New("evalguard: rate limited (429)")
	// ErrNoAPIKey is returned by Request when the client was made with an empty key.
	ErrNoAPIKey = errors.New("evalguard: no API key: pass one to NewClient (create one with `evalguard keys create`)")
)

var sentinels = map[int]error{
	400: ErrValidation,
	401: ErrUnauthorized,
	403: ErrForbidden,
	404: ErrNotFound,
	409: ErrConflict,
	429: ErrRateLimited,
}

// APIError is an error response: {"error": {"code", "message", "details"}} and its status.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	Details    any
	// RetryAfter is the server's Retry-After on a 429 (zero otherwise).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("evalguard: HTTP %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// Is lets errors.Is(err, ErrConflict) (and the other sentinels) match by status.
func (e *APIError) Is(target error) bool {
	return sentinels[e.StatusCode] == target
}

// Response is a successful (or, next to an *APIError, failed) HTTP answer with its raw body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Decode unmarshals the JSON body into v.
func (r *Response) Decode(v any) error {
	return json.Unmarshal(r.Body, v)
}

// Map returns the JSON body as a map (for object bodies).
func (r *Response) Map() (map[string]any, error) {
	var m map[string]any
	err := r.Decode(&m)
	return m, err
}

// Client is bound to one server and one API key; safe for concurrent use.
type Client struct {
	BaseURL      string
	APIKey       string
	HTTPClient   *http.Client
	MaxRetries   int
	MaxRetryWait time.Duration
}

// Option configures NewClient.
type Option func(*Client)

// WithBaseURL sets the server root, e.g. "http://127.0.0.1:8501".
func WithBaseURL(baseURL string) Option { return func(c *Client) { c.BaseURL = baseURL } }

// WithHTTPClient replaces the default *http.Client (timeout 30s).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.HTTPClient = h } }

// WithMaxRetries sets how many times a 429 is retried (0 turns retries off).
func WithMaxRetries(n int) Option { return func(c *Client) { c.MaxRetries = n } }

// WithMaxRetryWait sets the longest Retry-After the client waits before giving up at once.
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.MaxRetryWait = d } }

// NewClient returns a client for apiKey; the server is WithBaseURL, EVALGUARD_BASE_URL or DefaultBaseURL.
func NewClient(apiKey string, opts ...Option) *Client {
	c := &Client{
		BaseURL:      os.Getenv("EVALGUARD_BASE_URL"),
		APIKey:       apiKey,
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
		MaxRetries:   DefaultMaxRetries,
		MaxRetryWait: DefaultMaxRetryWait,
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	for _, opt := range opts {
		opt(c)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// Request sends body (JSON-encoded unless nil; a []byte or json.RawMessage is sent as is) to
// path (from the server root, e.g. "/api/v1/annotations"). A status >= 400 returns the
// response and an *APIError; a 429 is first retried after its Retry-After within the bounds.
func (c *Client) Request(ctx context.Context, method, path string, body any) (*Response, error) {
	if c.APIKey == "" {
		return nil, ErrNoAPIKey
	}
	payload, err := encode(body)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.do(ctx, method, path, payload)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 400 {
			return resp, nil
		}
		apiErr := errorFrom(resp)
		if resp.StatusCode != http.StatusTooManyRequests || attempt >= c.MaxRetries || apiErr.RetryAfter > c.MaxRetryWait {
			return resp, apiErr
		}
		timer := time.NewTimer(apiErr.RetryAfter)
		select {
		case <-ctx.Done():
			timer.Stop()
			return resp, ctx.Err()
		case <-timer.C:
		}
	}
}

func encode(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("evalguard: encoding the body as JSON: %w", err)
	}
	return payload, nil
}

func (c *Client) do(ctx context.Context, method, path string, payload []byte) (*Response, error) {
	var reader io.Reader
	if payload != nil {
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), c.BaseURL+path, reader)
	if err != nil {
		return nil, fmt.Errorf("evalguard: building the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	httpResp, err := c.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("evalguard: cannot reach %s: %w", c.BaseURL, err)
	}
	defer httpResp.Body.Close()
	data, err := io.ReadAll(httpResp.Body)
	if err != nil {
		return nil, fmt.Errorf("evalguard: reading the response: %w", err)
	}
	return &Response{StatusCode: httpResp.StatusCode, Header: httpResp.Header, Body: data}, nil
}

func errorFrom(resp *Response) *APIError {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details any    `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(resp.Body, &body) // a non-JSON error page keeps the status
	e := &APIError{
		StatusCode: resp.StatusCode,
		Code:       body.Error.Code,
		Message:    body.Error.Message,
		Details:    body.Error.Details,
	}
	if e.Code == "" {
		e.Code = "error"
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"))
	}
	return e
}

// ParseRetryAfter reads a Retry-After header (delta-seconds or an HTTP date); 1s when absent.
func ParseRetryAfter(header string) time.Duration {
	if header == "" {
		return time.Second
	}
	if secs, err := strconv.ParseFloat(header, 64); err == nil {
		if secs < 0 {
			secs = 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if when, err := http.ParseTime(header); err == nil {
		if d := time.Until(when); d > 0 {
			return d
		}
		return 0
	}
	return time.Second
}
