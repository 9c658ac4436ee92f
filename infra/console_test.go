package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/infra/tandem"
)

// CloudFront's managed policies, by id.
const (
	cachingDisabled               = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachingOptimized              = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	allViewerExceptHostHeader     = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	consoleCSPFile                = "../pkg/console/testdata/csp.txt"
	consoleAssets                 = "../pkg/console/assets"
	consoleUpload                 = "upload-console.sh"
	consoleFunctionEventStructure = `{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/console/config.json","querystring":{},"headers":{},"cookies":{}}}`
)

// renderRef flattens an intrinsic into text, naming what it refers to:
// {"Ref": "X"} → "<X>", {"Fn::GetAtt": ["X", "A"]} → "<X.A>"; Fn::Join and
// Fn::Select of Fn::Split are applied.
func renderRef(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if id, ok := v["Ref"].(string); ok {
			return "<" + id + ">"
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return fmt.Sprintf("<%v.%v>", att[0], att[1])
		}
		if sel, ok := v["Fn::Select"].([]any); ok && len(sel) == 2 {
			if split, ok := sel[1].(map[string]any)["Fn::Split"].([]any); ok && len(split) == 2 {
				parts := strings.Split(renderRef(split[1]), split[0].(string))
				if i := int(sel[0].(float64)); i < len(parts) {
					return parts[i]
				}
			}
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, renderRef(p))
			}
			return strings.Join(parts, join[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func only(t *testing.T, s *synthesized, typ string) (string, map[string]any) {
	t.Helper()
	found := s.ofType(typ)
	if len(found) != 1 {
		t.Fatalf("%d %s, want 1", len(found), typ)
	}
	for id, r := range found {
		return id, props(r)
	}
	return "", nil
}

// consoleConfig runs the CloudFront function that answers
// /console/config.json in Node, as CloudFront's JavaScript runtime would,
// with the template's references in place of their deploy-time values.
func consoleConfig(t *testing.T, s *synthesized) (fnID string, response map[string]any, config map[string]string) {
	t.Helper()
	fnID, p := only(t, s, "AWS::CloudFront::Function")
	if cfg, _ := p["FunctionConfig"].(map[string]any); cfg["Runtime"] != "cloudfront-js-2.0" {
		t.Errorf("config function runtime %v, want cloudfront-js-2.0", cfg["Runtime"])
	}
	code := renderRef(p["FunctionCode"]) + "\nprocess.stdout.write(JSON.stringify(handler(" + consoleFunctionEventStructure + ")));\n"
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH; the CDK needs it too (apt-get install nodejs)")
	}
	out, err := exec.Command(node, "-e", code).CombinedOutput()
	if err != nil {
		t.Fatalf("the config function does not run: %v\n%s\n--- code ---\n%s", err, out, code)
	}
	if err := json.Unmarshal(out, &response); err != nil {
		t.Fatalf("the config function returned %s", out)
	}
	body, _ := response["body"].(map[string]any)
	if body["encoding"] != "text" {
		t.Fatalf("config body %v", body)
	}
	if err := json.Unmarshal([]byte(body["data"].(string)), &config); err != nil {
		t.Fatalf("config body is not the JSON document: %v", body["data"])
	}
	return fnID, response, config
}

// The console is static files on a private bucket behind CloudFront, which
// also forwards /v1/* to the HTTP API: one origin for the page and the API.
func TestConsoleHosting(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		distID, dist := only(t, s, "AWS::CloudFront::Distribution")
		cfg := dist["DistributionConfig"].(map[string]any)
		if cfg["DefaultRootObject"] != "index.html" || cfg["Enabled"] != true {
			t.Errorf("distribution root %v enabled %v", cfg["DefaultRootObject"], cfg["Enabled"])
		}
		origins := map[string]map[string]any{}
		for _, o := range asList(cfg["Origins"]) {
			o := o.(map[string]any)
			origins[o["Id"].(string)] = o
		}
		def := cfg["DefaultCacheBehavior"].(map[string]any)
		site := origins[def["TargetOriginId"].(string)]
		siteBucket := refTo(site["DomainName"])
		if s.resources[siteBucket]["Type"] != "AWS::S3::Bucket" || refTo(site["OriginAccessControlId"]) == "" {
			t.Errorf("default origin %v: want the console bucket through origin access control", site)
		}
		if def["ViewerProtocolPolicy"] != "redirect-to-https" || def["CachePolicyId"] != cachingOptimized || refTo(def["ResponseHeadersPolicyId"]) == "" {
			t.Errorf("default behavior %v", def)
		}
		if l, _ := cfg["Logging"].(map[string]any); refTo(l["Bucket"]) == "" {
			t.Errorf("distribution without access logs: %v", cfg["Logging"])
		}

		behaviors := map[string]map[string]any{}
		for _, b := range asList(cfg["CacheBehaviors"]) {
			b := b.(map[string]any)
			behaviors[b["PathPattern"].(string)] = b
		}
		api := behaviors["/v1/*"]
		if api == nil {
			t.Fatal("no /v1/* behavior: the console could not reach the API on its own origin")
		}
		apiOrigin := origins[api["TargetOriginId"].(string)]
		custom, _ := apiOrigin["CustomOriginConfig"].(map[string]any)
		if host := renderRef(apiOrigin["DomainName"]); !strings.Contains(host, "<ApiHttpApi") || custom["OriginProtocolPolicy"] != "https-only" ||
			!slices.Equal(asList(custom["OriginSSLProtocols"]), []any{"TLSv1.2"}) {
			t.Errorf("/v1/* origin %v: want the HTTP API over TLS 1.2", apiOrigin)
		}
		methods := asList(api["AllowedMethods"])
		for _, m := range []any{"GET", "POST", "PUT", "DELETE"} {
			if !slices.Contains(methods, m) {
				t.Errorf("/v1/* does not allow %v", m)
			}
		}
		// Nothing of the API is cached, and every header but Host reaches it:
		// Authorization carries the ID token.
		if api["CachePolicyId"] != cachingDisabled || api["OriginRequestPolicyId"] != allViewerExceptHostHeader || api["ViewerProtocolPolicy"] != "https-only" {
			t.Errorf("/v1/* behavior %v", api)
		}

		fnID, _, _ := consoleConfig(t, s)
		conf := behaviors[tandem.ConsoleConfigPath]
		assocs := asList(conf["FunctionAssociations"])
		if len(assocs) != 1 || assocs[0].(map[string]any)["EventType"] != "viewer-request" || refTo(assocs[0].(map[string]any)["FunctionARN"]) != fnID ||
			conf["CachePolicyId"] != cachingDisabled {
			t.Errorf("%s behavior %v: want the config function on viewer-request, uncached", tandem.ConsoleConfigPath, conf)
		}

		// Both buckets are private and TLS-only; only this distribution may
		// read the console's files.
		for id, b := range s.ofType("AWS::S3::Bucket") {
			p := props(b)
			block, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if block[k] != true {
					t.Errorf("bucket %s: %s is %v", id, k, block[k])
				}
			}
			if p["BucketEncryption"] == nil {
				t.Errorf("bucket %s is not encrypted", id)
			}
		}
		for id, bp := range s.ofType("AWS::S3::BucketPolicy") {
			p := props(bp)
			denyInsecure, readers := false, 0
			for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
				st := st.(map[string]any)
				cond, _ := st["Condition"].(map[string]any)
				if st["Effect"] == "Deny" && fmt.Sprint(cond["Bool"]) == "map[aws:SecureTransport:false]" {
					denyInsecure = true
				}
				if st["Effect"] == "Allow" {
					readers++
					principal, _ := st["Principal"].(map[string]any)
					source := renderRef(cond["StringEquals"].(map[string]any)["AWS:SourceArn"])
					if principal["Service"] != "cloudfront.amazonaws.com" || st["Action"] != "s3:GetObject" || !strings.Contains(source, "<"+distID+">") {
						t.Errorf("bucket policy %s lets %v %v (source %s)", id, principal, st["Action"], source)
					}
				}
			}
			if !denyInsecure {
				t.Errorf("bucket policy %s does not refuse plain HTTP", id)
			}
			if refTo(p["Bucket"]) == siteBucket && readers != 1 {
				t.Errorf("the console bucket has %d readers, want CloudFront alone", readers)
			}
		}
	})
}

// The console's answers carry the same CSP as make dev's (one policy file
// for both modules): no 'unsafe-inline', connect-src limited to the origin
// and the managed login.
func TestConsoleSecurityHeaders(t *testing.T) {
	golden, err := os.ReadFile(consoleCSPFile)
	if err != nil {
		t.Fatal(err)
	}
	if tandem.ConsoleCSP != string(golden) {
		t.Fatalf("tandem.ConsoleCSP\n %s\ndiffers from %s\n %s", tandem.ConsoleCSP, consoleCSPFile, golden)
	}
	forEachStage(t, func(t *testing.T, s *synthesized) {
		_, p := only(t, s, "AWS::CloudFront::ResponseHeadersPolicy")
		sec := p["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
		_, _, config := consoleConfig(t, s)
		domain := ""
		if config["authDomain"] != "" {
			domain = " " + config["authDomain"]
		}
		csp := renderRef(sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
		if want := fmt.Sprintf(string(golden), domain); csp != want {
			t.Errorf("CSP\n %s\nwant\n %s", csp, want)
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("CSP allows unsafe sources: %s", csp)
		}
		if f := sec["FrameOptions"].(map[string]any); f["FrameOption"] != "DENY" {
			t.Errorf("frame options %v", f)
		}
		if r := sec["ReferrerPolicy"].(map[string]any); r["ReferrerPolicy"] != "no-referrer" {
			t.Errorf("referrer policy %v", r)
		}
		if sec["ContentTypeOptions"] == nil || sec["StrictTransportSecurity"] == nil {
			t.Errorf("nosniff or HSTS missing: %v", sec)
		}
	})
}

// /console/config.json tells the page to sign in with Cognito managed login
// (authorization code with PKCE) as the stack's app client; while the user
// pool has no managed login domain the page says sign-in is not set up.
func TestConsoleSignInConfig(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		_, resp, config := consoleConfig(t, s)
		headers, _ := resp["headers"].(map[string]any)
		if resp["statusCode"] != 200.0 || fmt.Sprint(headers["content-type"]) != "map[value:application/json]" {
			t.Errorf("config response %v", resp)
		}
		clientID, _ := only(t, s, "AWS::Cognito::UserPoolClient")
		want := map[string]string{"mode": "cognito", "clientId": "<" + clientID + ">", "scopes": "openid email profile", "authDomain": config["authDomain"]}
		if len(config) != len(want) {
			t.Errorf("config %v, want the keys of %v", config, want)
		}
		for k, v := range want {
			if config[k] != v {
				t.Errorf("config %s = %q, want %q", k, config[k], v)
			}
		}
		domains := s.ofType("AWS::Cognito::UserPoolDomain")
		switch {
		case len(domains) == 0 && config["authDomain"] != "":
			t.Errorf("authDomain %q without a user pool domain", config["authDomain"])
		case len(domains) == 1:
			for id := range domains {
				if !strings.Contains(config["authDomain"], "<"+id+">") {
					t.Errorf("authDomain %q is not the user pool's domain %s", config["authDomain"], id)
				}
			}
		}
	})
}

// The operator finds the console, and make deploy its bucket, in the
// outputs; the upload sends the deployed assets only, never the local
// sign-in.
func TestConsoleOutputsAndUpload(t *testing.T) {
	s := stacks["prod"]
	outputs := (*s.template.ToJSON())["Outputs"].(map[string]any)
	distID, _ := only(t, s, "AWS::CloudFront::Distribution")
	value := func(name string) string {
		o, _ := outputs[name].(map[string]any)
		return renderRef(o["Value"])
	}
	if got := value("ConsoleUrl"); got != "https://<"+distID+".DomainName>/" {
		t.Errorf("ConsoleUrl %s", got)
	}
	if got := value("ConsoleDistributionId"); got != "<"+distID+">" {
		t.Errorf("ConsoleDistributionId %s", got)
	}
	if got := value("ConsoleBucket"); s.resources[strings.Trim(got, "<>")]["Type"] != "AWS::S3::Bucket" {
		t.Errorf("ConsoleBucket %s", got)
	}

	script, err := os.ReadFile(consoleUpload)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(consoleUpload); info.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable", consoleUpload)
	}
	for _, want := range []string{`"$root/pkg/console/assets"`, "ConsoleBucket", "ConsoleDistributionId", "create-invalidation", "text/javascript"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("%s lacks %q", consoleUpload, want)
		}
	}
	for _, line := range strings.Split(string(script), "\n") {
		if strings.Contains(line, "s3 sync") && !strings.Contains(line, `"$root/pkg/console/assets" "s3://$bucket"`) {
			t.Errorf("%s uploads something other than pkg/console/assets: %s", consoleUpload, line)
		}
	}
	if _, err := os.Stat(filepath.Join(consoleAssets, "index.html")); err != nil {
		t.Errorf("nothing to upload: %v", err)
	}
	if _, err := os.Stat(filepath.Join(consoleAssets, "console", "local.js")); err == nil {
		t.Errorf("the local sign-in is among the deployed assets")
	}
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(makefile), "infra/"+consoleUpload) {
		t.Errorf("make deploy does not upload the console")
	}
}
