package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Table is a Report laid out for printing: lines that describe the run, a
// header, one row per figure and numbered notes for failures.
type Table struct {
	Title  []string
	Header []string
	Rows   [][]string
	Notes  []string
}

// metric is one row of the table.
type metric struct {
	// id is the workload the row shows, for failure notes.
	id    string
	label string
	// lowerIsBetter is true for times and bytes, false for rates.
	lowerIsBetter bool
	// value returns the row's figure for a system and the measurement it came
	// from (for failure notes); ok is false if there is no figure.
	value  func(SystemReport) (v float64, m Measurement, ok bool)
	format func(float64) string
}

// metrics returns the table's rows for the report's workloads: a rate per
// workload, W8 as its mean and its fastest start, and the heap per pod.
func (r *Report) metrics() []metric {
	var out []metric
	for _, w := range r.Workloads {
		get := func(s SystemReport) Measurement { return s.Results[w.ID] }
		label := w.ID + " " + w.Name
		if w.ID != "W8" {
			out = append(out, metric{
				id:    w.ID,
				label: label + " (" + w.Unit + ")",
				value: func(s SystemReport) (float64, Measurement, bool) {
					m := get(s)
					return m.Rate(), m, m.OK()
				},
				format: formatCount,
			})
			continue
		}
		out = append(out,
			metric{
				id:            w.ID,
				label:         label + ", mean",
				lowerIsBetter: true,
				value: func(s SystemReport) (float64, Measurement, bool) {
					m := get(s)
					return float64(m.Mean()), m, m.OK()
				},
				format: formatDuration,
			},
			metric{
				id:            w.ID,
				label:         label + ", min",
				lowerIsBetter: true,
				value: func(s SystemReport) (float64, Measurement, bool) {
					m := get(s)
					return float64(m.Min), Measurement{}, m.OK()
				},
				format: formatDuration,
			})
	}
	for _, s := range r.Systems {
		if !s.HeapMeasured {
			continue
		}
		out = append(out, metric{
			id:            "W1",
			label:         "live heap after W1 (bytes/pod)",
			lowerIsBetter: true,
			value: func(s SystemReport) (float64, Measurement, bool) {
				return s.HeapPerPod, Measurement{}, s.HeapMeasured
			},
			format: formatCount,
		})
		break
	}
	return out
}

// Table lays the report out: a column per system, then, if kubemem is among
// the systems, a column kubemem/<peer> per peer saying how many times better
// kubemem is (a rate divided by the peer's, or the peer's time or bytes
// divided by kubemem's).
func (r *Report) Table() Table {
	cfg := r.Config
	t := Table{Title: []string{
		fmt.Sprintf("workload: N=%d pods (W1–W6), %d lists (W3), %d watchers × %d creates (W7), %d starts (W8)",
			cfg.Pods, cfg.Lists, cfg.Watchers, cfg.WatchCreates, cfg.Starts),
		fmt.Sprintf("best of %d round(s) per system and workload; %s %s/%s, GOMAXPROCS=%d",
			cfg.Rounds, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0)),
		"rates in operations per second (higher is better); W8 is the time from constructing a system to its first list,",
		"measured in a warm process (one-time process-wide set-up, such as a type converter built on first use, is not in it)",
		"live heap: HeapAlloc after two GCs, from before constructing the system to after W1, divided by N",
	}}

	kube := -1
	for k, s := range r.Systems {
		if s.Name == KubememName {
			kube = k
		}
	}
	t.Header = []string{"workload"}
	for _, s := range r.Systems {
		t.Header = append(t.Header, s.Name)
	}
	if kube >= 0 {
		t.Title = append(t.Title, "kubemem/<peer>: how many times better kubemem is (rates: kubemem ÷ peer; times and bytes: peer ÷ kubemem)")
		for _, s := range r.Systems {
			if !IsKubemem(s.Name) {
				t.Header = append(t.Header, KubememName+"/"+s.Name)
			}
		}
	} else {
		t.Title = append(t.Title, "kubemem is not registered (no kubemem_system.go): no ratio columns")
	}

	notes := map[string]int{} // note text -> number
	note := func(text string) string {
		n, ok := notes[text]
		if !ok {
			t.Notes = append(t.Notes, text)
			n = len(t.Notes)
			notes[text] = n
		}
		return fmt.Sprintf("[%d]", n)
	}
	for _, mt := range r.metrics() {
		row := []string{mt.label}
		for _, s := range r.Systems {
			v, m, ok := mt.value(s)
			row = append(row, cell(mt, v, m, ok, s.Name, note))
		}
		if kube >= 0 {
			kv, _, kok := mt.value(r.Systems[kube])
			for _, s := range r.Systems {
				if IsKubemem(s.Name) {
					continue
				}
				pv, _, pok := mt.value(s)
				if !kok || !pok || kv <= 0 || pv <= 0 {
					row = append(row, "n/a")
					continue
				}
				ratio := kv / pv
				if mt.lowerIsBetter {
					ratio = pv / kv
				}
				row = append(row, formatRatio(ratio))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// cell formats one system's figure, or n/a, or FAIL, with a note reference
// for any round that failed.
func cell(mt metric, v float64, m Measurement, ok bool, system string, note func(string) string) string {
	id := mt.id
	switch {
	case !ok && errors.Is(m.Err, ErrNotSupported):
		return "n/a"
	case !ok && m.Err != nil:
		return "FAIL " + note(fmt.Sprintf("%s, %s: %v", system, id, m.Err))
	case !ok:
		return "n/a"
	case m.Failed > 0:
		return mt.format(v) + " " + note(fmt.Sprintf("%s, %s: failed in %d of %d rounds: %v",
			system, id, m.Failed, m.Rounds, m.Err))
	default:
		return mt.format(v)
	}
}

// WriteText writes the table aligned in columns for a terminal.
func (t Table) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, line := range t.Title {
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	for _, row := range t.Rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeNotes(&b, t.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the table as GitHub-flavoured markdown, numbers
// right-aligned.
func (t Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for _, line := range t.Title {
		b.WriteString("- " + line + "\n")
	}
	b.WriteString("\n| " + strings.Join(t.Header, " | ") + " |\n|")
	for k := range t.Header {
		if k == 0 {
			b.WriteString(" --- |")
		} else {
			b.WriteString(" ---: |")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	writeNotes(&b, t.Notes)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeNotes(b *strings.Builder, notes []string) {
	if len(notes) > 0 {
		b.WriteString("\n")
	}
	for k, n := range notes {
		fmt.Fprintf(b, "[%d] %s\n\n", k+1, n)
	}
}

// formatCount writes v with thousands separators, with one decimal below 100.
func formatCount(v float64) string {
	if math.Abs(v) < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for k, c := range s {
		if k > 0 && (len(s)-k)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatDuration writes nanoseconds v with three significant digits or so.
func formatDuration(v float64) string {
	d := time.Duration(v)
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", v/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", v/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

// formatRatio writes a ratio with two significant digits or more.
func formatRatio(r float64) string {
	switch {
	case r < 10:
		return fmt.Sprintf("%.2f×", r)
	case r < 100:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.0f×", r)
	}
}
