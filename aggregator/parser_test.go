package aggregator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/eddy-iot/eddy/aggregator/fleet"
)

type fastParser = fastjson.Parser

func (f *fleetParser) parse(t testing.TB, b []byte) *fleet.Row {
	t.Helper()
	if err := fleet.ParseRow(&f.p, b, &f.row); err != nil {
		t.Fatal(err)
	}
	return &f.row
}

func formatInt(i int64) string { return strconv.FormatInt(i, 10) }

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// get2 is get without a test: nil error on 200.
func get2(addr, path string, v any) error {
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Header.Set("Authorization", "Bearer secret")
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
