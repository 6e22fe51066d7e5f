// Command kubemem runs kubemem as a local Kubernetes control plane.
//
//	kubemem serve [--address 127.0.0.1] [--port 6443] [--kubeconfig PATH]
//
// serve starts the API on the address, writes a kubeconfig that kubectl and client-go use as they are, prints one
// line saying where it serves and where the kubeconfig is, logs each request in one line, and stops cleanly on
// SIGINT or SIGTERM (open watches end without an error).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/kubemem/kubemem/apiserver"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kubemem:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(stderr, "usage: kubemem serve [--address 127.0.0.1] [--port 6443] [--kubeconfig PATH]")
		return errors.New("unknown or missing command")
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	address := fs.String("address", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 6443, "port to listen on (0 picks a free one)")
	kubeconfig := fs.String("kubeconfig", filepath.Join(os.TempDir(), "kubemem", "kubeconfig"), "where to write the kubeconfig")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, *address, *port, *kubeconfig, stdout, slog.New(slog.NewTextHandler(stderr, nil)))
}

// serve runs the control plane until ctx is done.
func serve(ctx context.Context, address string, port int, kubeconfig string, stdout io.Writer, logger *slog.Logger) error {
	srv, err := apiserver.New(apiserver.Options{Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		srv.Close()
		return err
	}
	url := "http://" + ln.Addr().String()
	if err := writeKubeconfig(kubeconfig, url); err != nil {
		srv.Close()
		ln.Close()
		return err
	}
	httpSrv := &http.Server{Handler: srv.Handler(apiserver.HandlerOptions{Logger: logger}), ReadHeaderTimeout: 30 * time.Second}
	fmt.Fprintf(stdout, "kubemem serving the Kubernetes API on %s; kubeconfig: %s\n", url, kubeconfig)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	// Stop accepting, end every watch stream cleanly (closing the server closes its watches), then wait for the
	// requests in flight.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- httpSrv.Shutdown(shutdownCtx) }()
	srv.Close()
	if err := <-done; err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// writeKubeconfig writes a kubeconfig whose current context points at url.
func writeKubeconfig(path, url string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: kubemem
  cluster:
    server: ` + url + `
contexts:
- name: kubemem
  context:
    cluster: kubemem
    user: kubemem
    namespace: default
current-context: kubemem
users:
- name: kubemem
  user: {}
`
	return os.WriteFile(path, []byte(cfg), 0o600)
}
