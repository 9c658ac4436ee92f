package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumInstall is what to run when no browser is found; .ci/run does it.
const chromiumInstall = "apt-get install -y chromium"

// chromium finds the browser the tests drive. They fail, never skip,
// without it: the console's acceptance is that it works in a real browser.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("Chromium is missing: the console's browser tests need it. Install it with  %s  (Debian/Ubuntu; .ci/run does this), or set CHROMIUM to a Chrome binary.", chromiumInstall)
	return ""
}

// browser starts one headless Chromium for a test; each tab() is a
// separate tab with its own sessionStorage, so one tab is one organisation.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // root in CI containers
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	// Start the browser on a context without a deadline: a timeout on the
	// first Run would stop the whole browser.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return &browser{t: t, ctx: ctx}
}

// tab is one browser tab acting as one person. Every JavaScript exception,
// console error and CSP violation in it fails the test.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

// cspProbe records CSP violations where the test can read them; scripts
// the test adds through the DevTools protocol are not subject to the CSP.
const cspProbe = `document.addEventListener("securitypolicyviolation", (e) => {
  (window.__csp = window.__csp || []).push(e.violatedDirective + " " + e.blockedURI);
});`

func (b *browser) tab(name, base string) *tab {
	tb := &tab{t: b.t, name: name, base: base}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			what := d.Text
			if d.Exception != nil {
				what += " " + d.Exception.Description
			}
			tb.problem("exception at %s:%d: %s", d.URL, d.LineNumber+1, what)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				tb.problem("console.error: %s", strings.Join(parts, " "))
			}
		}
	}))
	b.t.Cleanup(cancel)
	tb.ctx = ctx
	// The first Run attaches the tab for as long as its context lives, so it
	// runs on the tab's own context, not on one with a step's timeout.
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe})
		return err
	}))
	if err != nil {
		b.t.Fatalf("open a tab for %s: %v", name, err)
	}
	return tb
}

func (tb *tab) problem(format string, args ...any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, fmt.Sprintf(format, args...))
}

// healthy fails on exceptions, console errors and CSP violations so far.
func (tb *tab) healthy() {
	tb.t.Helper()
	violations := run(tb, chromedp.Evaluate[[]string](`window.__csp || []`))
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, v := range violations {
		tb.t.Errorf("%s: CSP violation: %s", tb.name, v)
	}
	for _, p := range tb.problems {
		tb.t.Errorf("%s: %s", tb.name, p)
	}
	tb.problems = nil
}

// timeout bounds each step; the machine is shared, so it is generous.
const timeout = 30 * time.Second

func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.fail(err)
	}
	return v
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	run(tb, chromedp.Steps(steps...))
}

// fail stops the test with what the page shows, so a failure explains
// itself without a rerun.
func (tb *tab) fail(err error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : ""`))
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := filepath.Join(os.TempDir(), fmt.Sprintf("tandem-console-failure-%s.png", tb.name))
		_ = os.WriteFile(p, png, 0o644)
		tb.t.Logf("%s: screenshot of the failure: %s", tb.name, p)
	}
	tb.t.Fatalf("%s: %v\n--- the page shows ---\n%s", tb.name, err, text)
}

// open loads the console at hash, as typing the address would. A change
// of the fragment alone is not a navigation, so an open page is pointed at
// the new address and reloaded.
func (tb *tab) open(hash string) {
	tb.t.Helper()
	target := tb.base + "/" + hash
	cur := run(tb, chromedp.Location())
	if !strings.HasPrefix(cur, tb.base+"/") {
		tb.do(chromedp.Navigate(target))
		return
	}
	tb.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`history.replaceState(null, "", %q)`, target)), chromedp.Reload())
}

// waitText waits until the main area shows text. It keeps asking across
// page loads (a sign-in leaves the page and comes back), so it polls from
// here rather than inside the page.
func (tb *tab) waitText(text string) {
	tb.t.Helper()
	expr := fmt.Sprintf(`(() => { const m = document.querySelector("main"); return Boolean(m && m.innerText.includes(%q)); })()`, text)
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && found {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("the page never showed %q", text)
			}
			tb.fail(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// text returns the text of the first element matching css.
func (tb *tab) text(css string) string {
	tb.t.Helper()
	return run(tb, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
}

// mainText is everything the main area shows.
func (tb *tab) mainText() string {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
}

// button finds a visible button or link by its exact text, within the
// element matching scope (or the document).
func button(scope, text string) chromedp.JSPath {
	if scope == "" {
		scope = "body"
	}
	return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll(%q)].flatMap((s) => [...s.querySelectorAll("button, a")]).find((b) => b.textContent.trim() === %q && b.getClientRects().length > 0)`, scope, text))
}

func (tb *tab) click(scope, text string) {
	tb.t.Helper()
	tb.do(chromedp.Click(button(scope, text), chromedp.NodeVisible))
}

// control finds an input or select by the text of its label (its first
// line: a choice's label also holds its explanation), as a person reads the
// form; this also proves the label is associated.
func control(scope, label string) chromedp.JSPath {
	if scope == "" {
		scope = "main"
	}
	return chromedp.JSPath(fmt.Sprintf(`(() => { const l = [...document.querySelectorAll(%q + " label")].find((l) => l.control && (l.innerText || l.textContent).split("\n")[0].trim() === %q); return l ? l.control : null; })()`, scope, label))
}

// fill types into the control labelled label, replacing its value.
func (tb *tab) fill(scope, label, value string) {
	tb.t.Helper()
	sel := control(scope, label)
	tb.do(chromedp.Query(sel, chromedp.NodeVisible),
		// What select-all and delete would do (chromedp.Clear resets only
		// the attribute, not what was typed).
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = %s; el.value = ""; el.dispatchEvent(new Event("input", { bubbles: true })); })()`, string(sel))),
		chromedp.SendKeys(sel, value))
}

// choose picks the option whose text starts with option in the select
// labelled label, as choosing it with the mouse would (a change event).
func (tb *tab) choose(scope, label, option string) {
	tb.t.Helper()
	sel := control(scope, label)
	tb.do(chromedp.Query(sel, chromedp.NodeVisible))
	ok := run(tb, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
  const s = %s;
  const o = [...s.options].find((o) => o.textContent.trim().startsWith(%q) && !o.disabled);
  if (!o) return false;
  s.focus();
  s.value = o.value;
  s.dispatchEvent(new Event("input", { bubbles: true }));
  s.dispatchEvent(new Event("change", { bubbles: true }));
  return true;
})()`, string(sel), option)))
	if !ok {
		options := run(tb, chromedp.Evaluate[[]string](fmt.Sprintf(`[...(%s).options].map((o) => o.textContent)`, string(sel))))
		tb.t.Fatalf("%s: select %q has no option %q; it offers %q", tb.name, label, option, options)
	}
}

// check ticks the checkbox labelled label.
func (tb *tab) check(scope, label string) {
	tb.t.Helper()
	tb.do(chromedp.Click(control(scope, label), chromedp.NodeVisible))
}

// press sends keys to the focused element.
func (tb *tab) press(keys string) {
	tb.t.Helper()
	tb.do(chromedp.KeyEvent(keys))
}

const (
	enter  = kb.Enter
	kbTab  = kb.Tab
	escape = kb.Escape
)

// signIn uses the local sign-in page, by keyboard.
func (tb *tab) signIn(org string) {
	tb.t.Helper()
	tb.open("#/settings")
	tb.waitText("Sign in (local mode)")
	tb.fill("", "Organisation", org)
	tb.press(enter)
	tb.waitText("Platform connection credentials")
	if who := tb.text("#who-org"); who != "Signed in as "+org {
		tb.t.Fatalf("%s: header says %q", tb.name, who)
	}
}

// accessible checks what every page must hold: each visible form control
// has a label, each button and link a name, and nothing is wider than the
// window (no sideways scrolling at 1280 or 390 px).
func (tb *tab) accessible(where string) {
	tb.t.Helper()
	type report struct {
		Unlabelled []string `json:"unlabelled"`
		Unnamed    []string `json:"unnamed"`
		Overflow   int      `json:"overflow"`
		Width      int      `json:"width"`
	}
	r := run(tb, chromedp.Evaluate[report](`(() => {
  const shown = (el) => el.getClientRects().length > 0;
  const unlabelled = [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter(shown)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
    .map((el) => el.outerHTML.slice(0, 160));
  const unnamed = [...document.querySelectorAll("button, a[href]")]
    .filter(shown)
    .filter((el) => !el.textContent.trim() && !el.getAttribute("aria-label"))
    .map((el) => el.outerHTML.slice(0, 160));
  return { unlabelled, unnamed, overflow: document.documentElement.scrollWidth, width: window.innerWidth };
})()`))
	for _, u := range r.Unlabelled {
		tb.t.Errorf("%s %s: control without a label: %s", tb.name, where, u)
	}
	for _, u := range r.Unnamed {
		tb.t.Errorf("%s %s: button or link without a name: %s", tb.name, where, u)
	}
	if r.Overflow > r.Width {
		tb.t.Errorf("%s %s: the page is %d px wide in a %d px window (scrolls sideways)", tb.name, where, r.Overflow, r.Width)
	}
	tb.healthy()
}

// viewport sets the window size, as a phone or a laptop would have it.
func (tb *tab) viewport(w, h int64) {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(w, h))
}

// screenshots are written where the README shows them, by `make
// screenshots` (TANDEM_SCREENSHOTS=1): every run takes and checks them, but
// only a deliberate one changes the committed files.
var screenshotDir = filepath.Join("..", "..", "docs", "screenshots")

// maxScreenshot keeps the repository light.
const maxScreenshot = 300 << 10

// shot saves a PNG of the page (or of the element matching css) for the
// README, and fails when it is not small.
func (tb *tab) shot(name, css string) {
	tb.t.Helper()
	var png []byte
	if css == "" {
		png = run(tb, chromedp.FullScreenshot(100))
	} else {
		png = run(tb, chromedp.Screenshot(chromedp.CSS(css), chromedp.NodeVisible))
	}
	if len(png) > maxScreenshot {
		tb.t.Errorf("screenshot %s is %d KB, over %d KB", name, len(png)>>10, maxScreenshot>>10)
	}
	if os.Getenv("TANDEM_SCREENSHOTS") != "1" {
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}
