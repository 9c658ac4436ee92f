package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The files bucket (tandem/files.go): the scratch store attachment content
// crosses through when it is too large for a queue message.
func TestFilesBucket(t *testing.T) {
	forEachStage(t, func(t *testing.T, s *synthesized) {
		// The stack's other buckets are the console's (console.go, tested in
		// console_test.go): no other bucket may appear unnoticed.
		for id := range s.ofType("AWS::S3::Bucket") {
			if id != "FilesBucket" && !strings.HasPrefix(id, "Console") {
				t.Errorf("bucket %s belongs to neither the files store nor the console", id)
			}
		}
		b := s.resources["FilesBucket"]
		if b == nil {
			t.Fatal("no bucket with logical id FilesBucket")
		}
		p := props(b)

		sse := fmt.Sprint(p["BucketEncryption"])
		if !strings.Contains(sse, "SSEAlgorithm:AES256") && !strings.Contains(sse, "SSEAlgorithm:aws:kms") {
			t.Errorf("encryption %s, want S3-managed or KMS", sse)
		}
		block, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if block[k] != true {
				t.Errorf("public access: %s = %v, want true", k, block[k])
			}
		}
		if v, ok := p["VersioningConfiguration"]; ok {
			t.Errorf("versioning %v: an object is written once and deleted, old versions would only linger", v)
		}
		lc, _ := p["LifecycleConfiguration"].(map[string]any)
		var expires bool
		for _, r := range asList(lc["Rules"]) {
			rule, _ := r.(map[string]any)
			if rule["Status"] == "Enabled" && rule["ExpirationInDays"] == 1.0 && rule["Prefix"] == nil && rule["Filter"] == nil {
				expires = true
			}
		}
		if !expires {
			t.Errorf("lifecycle %v: want every object to expire after one day", lc)
		}
		// Kept on stack deletion: CloudFormation cannot delete a bucket that
		// holds objects, and this one empties itself within a day.
		if b["DeletionPolicy"] != "Retain" {
			t.Errorf("DeletionPolicy %v", b["DeletionPolicy"])
		}

		var tlsOnly bool
		for id, bp := range s.ofType("AWS::S3::BucketPolicy") {
			pp := props(bp)
			if refTo(pp["Bucket"]) != "FilesBucket" {
				continue
			}
			doc, _ := pp["PolicyDocument"].(map[string]any)
			for _, st := range asList(doc["Statement"]) {
				m := st.(map[string]any)
				if m["Effect"] == "Deny" && strings.Contains(fmt.Sprint(m["Condition"]), "aws:SecureTransport:false") {
					tlsOnly = true
				}
				if m["Effect"] == "Allow" {
					t.Errorf("%s allows %v: access is granted to the functions' roles only", id, m)
				}
			}
		}
		if !tlsOnly {
			t.Error("no bucket policy denies requests without TLS (enforceSSL)")
		}
	})
}

// Only the sync functions reach the bucket, only under attachments/, with
// the bucket's own grant methods; each of them is told its name.
func TestFilesBucketAccess(t *testing.T) {
	s := stacks["prod"]
	statements := policyStatements(s)
	for name, id := range functionIDs {
		sync := strings.HasPrefix(name, "sync-")
		env := environment(s, id)
		if got := refTo(env["TANDEM_FILES_BUCKET"]); (got == "FilesBucket") != sync {
			t.Errorf("%s: TANDEM_FILES_BUCKET = %v", id, env["TANDEM_FILES_BUCKET"])
		}
		var actions []string
		for _, st := range statements[id] {
			var s3 bool
			for _, a := range asList(st["Action"]) {
				if strings.HasPrefix(a.(string), "s3:") {
					actions = append(actions, a.(string))
					s3 = true
				}
			}
			if !s3 {
				continue
			}
			if st["Effect"] != "Allow" || slices.Contains(asList(st["Action"]), any("s3:*")) {
				t.Errorf("%s: %v", id, st)
			}
			for _, r := range asList(st["Resource"]) {
				res := fmt.Sprint(r)
				if !strings.Contains(res, "FilesBucket") || strings.Contains(res, "/") && !strings.Contains(res, "/attachments/*") {
					t.Errorf("%s: s3 access to %s; want the files bucket's attachments/ only", id, res)
				}
			}
		}
		if !sync {
			if len(actions) > 0 {
				t.Errorf("%s may use the files bucket: %v", id, actions)
			}
			continue
		}
		for _, want := range []string{"s3:PutObject", "s3:GetObject*", "s3:DeleteObject*"} {
			if !slices.Contains(actions, want) {
				t.Errorf("%s lacks %s: %v", id, want, actions)
			}
		}
	}
}
