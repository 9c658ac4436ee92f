// Package mototest starts moto_server on a free loopback port for integration
// tests of the AWS adapters, and builds SDK clients that reach it over the
// wire exactly as production code reaches AWS (through AWS_ENDPOINT_URL-style
// endpoint configuration).
//
// A missing moto_server fails the test run: a skipped integration test would
// prove nothing.
package mototest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// InstallHint tells a developer how to get the dependency.
const InstallHint = "moto_server not found on PATH: install it with `pip install 'moto[server]'` (make test-deps does this)"

// Server is a running moto_server.
type Server struct {
	URL string
	cmd *exec.Cmd
}

var (
	once   sync.Once
	shared *Server
	err    error
)

// Shared starts one moto_server for the whole test binary (stopped by Stop
// from TestMain) and fails t if it cannot.
func Shared(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, err = Start() })
	if err != nil {
		t.Fatalf("mototest: %v", err)
	}
	return shared
}

// StopShared stops the shared server, if started. Call it from TestMain.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Start launches moto_server on a free loopback port and waits until it
// answers.
func Start() (*Server, error) {
	bin, lerr := exec.LookPath("moto_server")
	if lerr != nil {
		return nil, fmt.Errorf("%s", InstallHint)
	}
	l, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		return nil, lerr
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	var tail strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			if tail.Len() < 4096 {
				tail.WriteString(sc.Text() + "\n")
			}
			mu.Unlock()
		}
	}()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	// Poll readiness with a bounded deadline; moto takes a second or two to
	// import its service backends.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	mu.Lock()
	defer mu.Unlock()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60s; its stderr:\n%s", s.URL, tail.String())
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_, _ = s.cmd.Process.Wait()
	}
}

// Config returns an SDK config aimed at the server with dummy credentials,
// built by the same loader production uses.
func (s *Server) Config(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("eu-west-1"),
		config.WithBaseEndpoint(s.URL),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
	)
	if err != nil {
		t.Fatalf("mototest: aws config: %v", err)
	}
	return cfg
}

// Main runs a package's tests with the shared server stopped afterwards.
func Main(m interface{ Run() int }) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}
