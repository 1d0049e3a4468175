package s3authtest_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/s3auth/s3auth/s3authtest"
)

func TestClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		do   func(c *s3authtest.Clock)
		want time.Time
	}{
		{"new", func(*s3authtest.Clock) {}, t0},
		{"advance", func(c *s3authtest.Clock) { c.Advance(time.Hour) }, t0.Add(time.Hour)},
		{"back", func(c *s3authtest.Clock) { c.Advance(-time.Minute) }, t0.Add(-time.Minute)},
		{"set", func(c *s3authtest.Clock) { c.Set(t0.AddDate(1, 0, 0)) }, t0.AddDate(1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := s3authtest.NewClock(t0)
			tt.do(c)
			if got := c.Now(); !got.Equal(tt.want) {
				t.Errorf("Now() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(0, 0)
	c := s3authtest.NewClock(t0)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(1600*time.Second); !got.Equal(want) {
		t.Fatalf("after 1600 concurrent advances Now() = %v, want %v", got, want)
	}
}

func ExampleClock() {
	c := s3authtest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c.Advance(90 * time.Minute)
	fmt.Println(c.Now().Format(time.RFC3339))
	// Output: 2026-01-01T01:30:00Z
}
