package bench

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	panicked := errors.New("boom")
	rep := &Report{
		Config:    Config{Pods: 10, Lists: 1, Watchers: 1, WatchCreates: 1, Starts: 1, Rounds: 2},
		Workloads: []Workload{workloads[0], workloads[4], workloads[6], workloads[7]},
		Systems: []SystemReport{
			{Name: KubememName, HeapPerPod: 500, HeapMeasured: true, Results: map[string]Measurement{
				"W1": {Ops: 1000, Elapsed: time.Second, Rounds: 2},
				"W5": {Rounds: 2, Failed: 2, Err: ErrNotSupported},
				"W7": {Ops: 100, Elapsed: time.Second, Rounds: 2},
				"W8": {Ops: 10, Elapsed: 10 * time.Microsecond, Min: 500 * time.Nanosecond, Rounds: 2},
			}},
			{Name: "peer", HeapPerPod: 2000, HeapMeasured: true, Results: map[string]Measurement{
				"W1": {Ops: 250, Elapsed: time.Second, Rounds: 2, Failed: 1, Err: panicked},
				"W5": {Ops: 10, Elapsed: time.Second, Rounds: 2},
				"W7": {Rounds: 2, Failed: 2, Err: panicked},
				"W8": {Ops: 10, Elapsed: 30 * time.Millisecond, Min: 2 * time.Millisecond, Rounds: 2},
			}},
		},
	}
	tab := rep.Table()
	require.Equal(t, []string{"workload", KubememName, "peer", "kubemem/peer"}, tab.Header)
	require.Equal(t, [][]string{
		{"W1 create (creates/s)", "1,000", "250 [1]", "4.00×"},
		{"W5 strategic merge patch (patches/s)", "n/a", "10.0", "n/a"},
		{"W7 watch fan-out (creates/s)", "100", "FAIL [2]", "n/a"},
		{"W8 start to first list, mean", "1.0µs", "3.00ms", "3000×"},
		{"W8 start to first list, min", "500ns", "2.00ms", "4000×"},
		{"live heap after W1 (bytes/pod)", "500", "2,000", "4.00×"},
	}, tab.Rows)
	require.Equal(t, []string{"peer, W1: failed in 1 of 2 rounds: boom", "peer, W7: boom"}, tab.Notes)

	var md bytes.Buffer
	require.NoError(t, tab.WriteMarkdown(&md))
	require.Contains(t, md.String(), "| workload | kubemem | peer | kubemem/peer |\n| --- | ---: | ---: | ---: |\n")
	require.Contains(t, md.String(), "[2] peer, W7: boom")
	var text bytes.Buffer
	require.NoError(t, tab.WriteText(&text))
	require.Contains(t, text.String(), "best of 2 round(s)")
	require.True(t, strings.HasPrefix(strings.Split(text.String(), "\n")[len(tab.Title)+1], "workload "))
}

func TestFormatCount(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0.0", 12.34: "12.3", 100: "100", 999.6: "1,000", 1234567: "1,234,567", -4321: "-4,321",
	} {
		require.Equal(t, want, formatCount(in), "%v", in)
	}
}

func TestParseWorkloads(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: "W1,W3", want: []string{"W1", "W3"}},
		{in: " w8 , W2,", want: []string{"W8", "W2"}},
		{in: "W0", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWorkloads(tt.in)
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSortFactories(t *testing.T) {
	fs := []Factory{{Name: "b"}, {Name: KubememName}, {Name: "a"}}
	var names []string
	for _, f := range sortFactories(fs) {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{KubememName, "a", "b"}, names)
}
