// Command tandem is Tandem's operator and admin CLI.
//
//	tandem login -domain <AuthDomain output> -client-id <UserPoolClientId output>
//
// signs in through Cognito's managed login in the browser (OAuth 2.0
// authorization code with PKCE, RFC 7636, redirected to a loopback address,
// RFC 8252) and prints the ID token, which the API takes as
// "Authorization: Bearer <token>":
//
//	TOKEN=$(go run ./cmd/tandem login -domain "$AUTH_DOMAIN" -client-id "$CLIENT_ID")
//	curl -H "Authorization: Bearer $TOKEN" "$API_URL/v1/connections"
//
//	tandem backfill-active -table <TableName output>
//
// adds connections activated before the active-connection index existed
// to that index, so the reconciliation sweep sees them; it uses the
// standard AWS credential chain and may be run any number of times.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"time"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "backfill-active" {
		backfillActive(os.Args[2:])
		return
	}
	if len(os.Args) < 2 || os.Args[1] != "login" {
		fmt.Fprintln(os.Stderr, "usage: tandem login -domain https://<prefix>.auth.<region>.amazoncognito.com -client-id <id>")
		fmt.Fprintln(os.Stderr, "       tandem backfill-active -table <table name>")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("tandem login", flag.ExitOnError)
	domain := fs.String("domain", os.Getenv("TANDEM_AUTH_DOMAIN"), "the stack's AuthDomain output (or TANDEM_AUTH_DOMAIN)")
	clientID := fs.String("client-id", os.Getenv("TANDEM_CLIENT_ID"), "the stack's UserPoolClientId output (or TANDEM_CLIENT_ID)")
	listen := fs.String("listen", DefaultListen, "loopback address for the redirect; its port must match the app client's callback URL")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in URL without opening a browser")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the sign-in")
	_ = fs.Parse(os.Args[2:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	open := openBrowser
	if *noBrowser {
		open = func(string) error { return nil }
	}
	token, err := Login(ctx, LoginConfig{Domain: *domain, ClientID: *clientID, Listen: *listen, Open: open, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tandem login:", err)
		os.Exit(1)
	}
	fmt.Println(token)
}

// openBrowser is best effort: the URL is printed either way.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Start()
}
