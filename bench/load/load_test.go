package load

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLoad is the short load run (3 s, 20 clients, 100 watches); the environment variables of ConfigFromEnv make it
// the full one. It fails on a lost, unexpected or disordered event, an unexpected error and a goroutine or heap leak.
func TestLoad(t *testing.T) {
	cfg, err := ConfigFromEnv(Config{})
	require.NoError(t, err)
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	t.Log("\n" + rep.String())
	require.Empty(t, rep.Failures())
}

// TestLoadCatchesLostEvents shows the run failing when every watch loses its first change event.
func TestLoadCatchesLostEvents(t *testing.T) {
	rep, err := Run(context.Background(), Config{Duration: time.Second, Clients: 5, Watches: 8, SettleTimeout: 10 * time.Second, dropEvent: 1})
	require.NoError(t, err)
	require.Positive(t, rep.Lost, "%s", rep)
	require.NotEmpty(t, rep.Failures())
	require.Contains(t, rep.Failures()[0], "lost")
}
