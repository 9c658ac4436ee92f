package tandem

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// stageSettings holds what differs between stages; everything else is the
// same everywhere so dev exercises the production shape.
type stageSettings struct {
	name string
	// removal applies to the stateful resources: the table, the user pool and
	// the log groups. Production retains them on deletion and replacement,
	// but not when the stack's first creation rolls back
	// (RetainExceptOnCreate), so a failed first deploy leaves nothing named
	// behind to collide with the next attempt.
	removal            awscdk.RemovalPolicy
	deletionProtection bool
	// threatProtection puts the user pool on Cognito's Plus plan, which bills
	// every monthly active user with no free allowance.
	threatProtection bool
}

// stages is a closed set: a typo such as "production" must fail the synth
// rather than deploy a table that a stack deletion would destroy.
var stages = map[string]stageSettings{
	"dev": {
		removal:            awscdk.RemovalPolicy_DESTROY,
		deletionProtection: false,
		threatProtection:   false,
	},
	"prod": {
		removal:            awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		deletionProtection: true,
		threatProtection:   true,
	},
}

// Stages lists the stage names, sorted.
func Stages() []string {
	known := make([]string, 0, len(stages))
	for name := range stages {
		known = append(known, name)
	}
	sort.Strings(known)
	return known
}

func settingsFor(stage string) (stageSettings, error) {
	s, ok := stages[stage]
	if !ok {
		return stageSettings{}, fmt.Errorf("unknown stage %q: use one of %s", stage, strings.Join(Stages(), ", "))
	}
	s.name = stage
	return s, nil
}

// StackName is the CloudFormation stack of a stage: Tandem-dev, Tandem-prod.
func StackName(stage string) string { return "Tandem-" + stage }

// resourceName is the physical name of a stage's resource, e.g.
// tandem-prod-sync-halo: every name carries the stage, so stages can share
// an account and region.
func (s stageSettings) resourceName(parts ...string) string {
	return "tandem-" + s.name + "-" + strings.Join(parts, "-")
}

// secretPrefix is where the stage's secrets live (TANDEM_SECRET_PREFIX); the
// functions store tandem/<org>/… under it (settings.PrefixedSecrets).
func (s stageSettings) secretPrefix() string { return "tandem/" + s.name + "/" }

// Config is what an operator sets per stage, in cdk.json's context under
// "tandem:stages" → <stage>. Every field is optional.
type Config struct {
	// Account pins the stage to one AWS account: the synth fails when the
	// CLI's credentials belong to another, and the stack is bound to it.
	Account string `json:"account,omitempty"`
	// ConsoleOrigins may call /v1 from a browser (CORS), e.g.
	// https://console.example.com; http is accepted for localhost only.
	ConsoleOrigins []string `json:"consoleOrigins,omitempty"`
	// CallbackURLs and LogoutURLs are where Cognito's managed login may
	// send the browser back to; `tandem login`'s loopback URLs are always
	// included (LoginCallbackURL, LoginLogoutURL).
	CallbackURLs []string `json:"callbackUrls,omitempty"`
	LogoutURLs   []string `json:"logoutUrls,omitempty"`
	// AuthDomainPrefix is the managed login's domain,
	// https://<prefix>.auth.<region>.amazoncognito.com. Prefixes are global
	// per region; the default, tandem-<stage>-<account id>, is unique.
	AuthDomainPrefix string `json:"authDomainPrefix,omitempty"`
	// APIDomain serves the API under a domain of your own (webhook URLs
	// then survive a replacement of the API); APICertificateARN is a
	// regional ACM certificate for it. Both or neither.
	APIDomain         string `json:"apiDomain,omitempty"`
	APICertificateARN string `json:"apiCertificateArn,omitempty"`
	// TraceEveryChange turns X-Ray's active tracing on for the functions
	// that run once per synced change (webhook, sync-*) as well. Off, they
	// pass tracing through: Lambda records the first invocation each second
	// and 5 % of the rest, so at everyday volumes nearly every change would
	// be traced, about $22–23 per million changes against $12.74–13.73 for
	// the rest of the pipeline (BENCHMARKS.md). The other functions are always
	// traced.
	TraceEveryChange bool `json:"traceEveryChange,omitempty"`
	// ReportEveryChange keeps Lambda's START, END and REPORT lines for the
	// functions that run once per synced change (webhook, sync-*). Off,
	// their system log level is WARN: each invocation's lines are about 300
	// bytes, 1.3 KB per change, $0.65 per million changes (BENCHMARKS.md,
	// "Echoes and logs"), and nothing in the stack reads them: the alarms use
	// Lambda's Errors and Throttles metrics, the dropped-message filter
	// matches the functions' own lines, and Duration is a metric too. What
	// only REPORT gives is each invocation's memory used; the stack's sizes
	// come from the bench's peak RSS instead. Turn it on to watch memory or
	// init times in a stage.
	ReportEveryChange bool `json:"reportEveryChange,omitempty"`
}

// `tandem login` (cmd/tandem) listens on this loopback address.
const (
	LoginCallbackURL = "http://localhost:8976/callback"
	LoginLogoutURL   = "http://localhost:8976/signed-out"
)

// ConfigFrom decodes the "tandem:stages" context (a map of stage to Config)
// and returns the stage's, refusing unknown fields so a typo in cdk.json
// fails the synth instead of being ignored.
func ConfigFrom(stagesContext any, stage string) (Config, error) {
	var cfg Config
	if stagesContext == nil {
		return cfg, nil
	}
	raw, err := json.Marshal(stagesContext)
	if err != nil {
		return cfg, fmt.Errorf("context tandem:stages: %w", err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return cfg, fmt.Errorf("context tandem:stages must map stage names to settings: %w", err)
	}
	for name := range all {
		if _, ok := stages[name]; !ok {
			return cfg, fmt.Errorf("context tandem:stages: unknown stage %q: use one of %s", name, strings.Join(Stages(), ", "))
		}
	}
	if one, ok := all[stage]; ok {
		dec := json.NewDecoder(bytes.NewReader(one))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("context tandem:stages.%s: %w", stage, err)
		}
	}
	return cfg, cfg.validate()
}

var (
	accountID = regexp.MustCompile(`^\d{12}$`)
	// Cognito: lower-case letters, digits and hyphens; no "aws", "amazon"
	// or "cognito" in it.
	domainPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	hostName     = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	certARN      = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$`)
)

func (c Config) validate() error {
	if c.Account != "" && !accountID.MatchString(c.Account) {
		return fmt.Errorf("account %q is not a 12-digit AWS account id", c.Account)
	}
	for _, o := range c.ConsoleOrigins {
		if err := checkURL(o, true); err != nil {
			return fmt.Errorf("consoleOrigins: %w", err)
		}
	}
	for _, u := range append(append([]string(nil), c.CallbackURLs...), c.LogoutURLs...) {
		if err := checkURL(u, false); err != nil {
			return fmt.Errorf("callbackUrls/logoutUrls: %w", err)
		}
	}
	if p := c.AuthDomainPrefix; p != "" && (!domainPrefix.MatchString(p) ||
		strings.Contains(p, "aws") || strings.Contains(p, "amazon") || strings.Contains(p, "cognito")) {
		return fmt.Errorf("authDomainPrefix %q: lower-case letters, digits and hyphens, without aws, amazon or cognito", p)
	}
	if (c.APIDomain == "") != (c.APICertificateARN == "") {
		return fmt.Errorf("apiDomain and apiCertificateArn go together: set both or neither")
	}
	if c.APIDomain != "" && !hostName.MatchString(c.APIDomain) {
		return fmt.Errorf("apiDomain %q is not a lower-case host name", c.APIDomain)
	}
	if c.APICertificateARN != "" && !certARN.MatchString(c.APICertificateARN) {
		return fmt.Errorf("apiCertificateArn %q is not an ACM certificate ARN", c.APICertificateARN)
	}
	return nil
}

// checkURL accepts https URLs, and http ones on localhost (Cognito allows
// http for localhost only). An origin has no path.
func checkURL(s string, origin bool) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	local := u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"
	if u.Scheme != "https" && !(u.Scheme == "http" && local) {
		return fmt.Errorf("%q: use https (http only for localhost)", s)
	}
	if origin && u.Path != "" {
		return fmt.Errorf("%q: an origin is scheme://host[:port], without a path", s)
	}
	return nil
}

// CheckAccount fails when a stage pinned to one account is synthesized with
// another's credentials. current is what the CDK CLI found
// (CDK_DEFAULT_ACCOUNT), empty without credentials: then the stack's own
// account binding makes `cdk deploy` refuse other credentials.
func CheckAccount(stage, pinned, current string) error {
	if pinned == "" || current == "" || pinned == current {
		return nil
	}
	return fmt.Errorf("stage %s is pinned to account %s, but the AWS credentials are for account %s: "+
		"switch credentials (AWS_PROFILE) or pick the stage meant for this account", stage, pinned, current)
}
