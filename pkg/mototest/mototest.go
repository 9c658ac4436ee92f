// Package mototest starts moto_server on a free loopback port for integration
// tests of the AWS adapters, and builds SDK clients that reach it over the
// wire exactly as production code reaches AWS (through AWS_ENDPOINT_URL-style
// endpoint configuration).
//
// A missing moto_server fails the test run: a skipped integration test would
// prove nothing.
//
// Tests reach moto through a loopback proxy that lets one request in at a
// time. DynamoDB applies every single-item write atomically (an UpdateItem
// with ADD is its documented atomic counter), but moto's backends take no
// lock while werkzeug serves each request on its own thread, so two
// concurrent ADDs to one item can lose one. Without the proxy, contract
// tests of concurrent counters fail by chance on moto while the same code is
// correct on DynamoDB.
package mototest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
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

// Server is a running moto_server behind its serialising proxy; URL is the
// proxy's.
type Server struct {
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
	proxy  *http.Server
}

var (
	once      sync.Once
	shared    *Server
	sharedErr error
)

// Shared starts one moto_server for the whole test binary (stopped by Stop
// from TestMain) and fails t if it cannot.
func Shared(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, sharedErr = Start() })
	if sharedErr != nil {
		t.Fatalf("mototest: %v", sharedErr)
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
// answers. Test binaries of several packages start their own servers at
// once, so a port can be taken between choosing and binding it: a server
// that exits before it answers is started again on another port.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("%s", InstallHint)
	}
	var last error
	for try := 0; try < 5; try++ {
		s, err := startOn(bin)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, last
}

func startOn(bin string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: exited}
	// Poll readiness with a bounded deadline; moto takes a second or two to
	// import its service backends.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("moto_server exited before answering on %s; its stderr:\n%s", s.URL, stderr.String())
		default:
		}
		// Ours is ready once it has said it bound the port (werkzeug's
		// "Running on" line) and answers; an answer alone could come from
		// another package's server that took the port first.
		if strings.Contains(stderr.String(), "Running on "+s.URL) {
			if resp, err := http.Get(s.URL + "/moto-api/"); err == nil {
				resp.Body.Close()
				if err := s.serialise(); err != nil {
					s.Stop()
					return nil, err
				}
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60s; its stderr:\n%s", s.URL, stderr.String())
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() < 8192 {
		b.b.Write(p)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// serialise puts the one-request-at-a-time proxy in front of moto and points
// URL at it. The proxy keeps the client's Host header, so the queue URLs moto
// builds from it lead back through the proxy.
func (s *Server) serialise() error {
	target, err := url.Parse(s.URL)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the moto proxy: %w", err)
	}
	forward := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
	}}
	var one sync.Mutex
	s.proxy = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		one.Lock()
		defer one.Unlock()
		forward.ServeHTTP(w, r)
	})}
	go func() { _ = s.proxy.Serve(l) }()
	s.URL = "http://" + l.Addr().String()
	return nil
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.proxy != nil {
		_ = s.proxy.Close()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
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
