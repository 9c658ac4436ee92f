package zendesk

import "testing"

func TestBaseURL(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"acme", "https://acme.zendesk.com"},
		{" Acme.Zendesk.com ", "https://acme.zendesk.com"},
		{"https://acme.zendesk.com/", "https://acme.zendesk.com"},
		{"http://acme.zendesk.com", ""},
		{"https://acme.zendesk.com/agent", ""},
		{"https://2130706433", ""},
		{"https://127.0.0.1", ""},
		{"https://help.acme.com", ""},
		{"https://acme.zendesk.com.evil.example", ""},
		{"acme.example.com", ""},
		{"", ""},
	}
	for _, tc := range cases {
		got, msg := BaseURL(tc.raw, false)
		if got != tc.want || (tc.want == "") == (msg == "") {
			t.Errorf("BaseURL(%q) = %q, %q; want %q", tc.raw, got, msg, tc.want)
		}
	}
}
