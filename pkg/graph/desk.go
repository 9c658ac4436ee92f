package graph

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Support mail settings, next to the app credentials: which provider the
// mailbox is on, how its mail is sorted into categories and service types,
// and how it answers.
const (
	// FieldProvider is "microsoft" (the default) or "google", which is
	// not supported yet and refused with a message saying so.
	FieldProvider = "provider"
	// FieldCategories and FieldServiceTypes list the organisation's
	// categories and service types, separated by commas or new lines.
	FieldCategories   = "categories"
	FieldServiceTypes = "serviceTypes"
	// FieldDefaultCategory and FieldDefaultServiceType apply to a mail no
	// rule sorts.
	FieldDefaultCategory    = "defaultCategory"
	FieldDefaultServiceType = "defaultServiceType"
	// FieldRules is a JSON array of Rule.
	FieldRules = "rules"
	// FieldClosingReply is the text of the one reply sent when the ticket
	// is closed; empty sends none.
	FieldClosingReply = "closingReply"
	// FieldSenderLimit is how many mails one sender may send in an hour
	// before more are skipped as noise; DefaultSenderLimit when empty.
	FieldSenderLimit = "senderLimitPerHour"
)

// Providers of support mailboxes.
const (
	ProviderMicrosoft = "microsoft"
	ProviderGoogle    = "google"
)

// DefaultSenderLimit is the per-sender hourly limit when none is set: far
// above what a person writes, well below a mail loop.
const DefaultSenderLimit = 20

// Rule sorts an incoming mail. Every criterion that is set must match: the
// sender's domain, one of the recipients (To or Cc), and any one of the
// subject keywords (case-insensitive). The first rule that matches and sets
// a category gives the category, the first that sets a service type the
// service type.
type Rule struct {
	SenderDomain    string   `json:"senderDomain,omitempty"`
	Recipient       string   `json:"recipient,omitempty"`
	SubjectKeywords []string `json:"subjectKeywords,omitempty"`
	Category        string   `json:"category,omitempty"`
	ServiceType     string   `json:"serviceType,omitempty"`
}

// Desk is how the organisation sorts and answers its support mail.
type Desk struct {
	Categories         []string
	ServiceTypes       []string
	DefaultCategory    string
	DefaultServiceType string
	Rules              []Rule
	ClosingReply       string
	SenderLimit        int // 0 means DefaultSenderLimit
}

func parseDesk(v *platform.ValidationError, c platform.Credentials) Desk {
	switch p := strings.ToLower(strings.TrimSpace(c[FieldProvider])); p {
	case "", ProviderMicrosoft:
	case ProviderGoogle:
		v.Add(FieldProvider, "Google mailboxes are not supported yet: only Microsoft 365 (provider %q) can be connected today", ProviderMicrosoft)
	default:
		v.Add(FieldProvider, "must be %q (Microsoft 365); %q is not supported yet", ProviderMicrosoft, ProviderGoogle)
	}
	d := Desk{
		Categories:   splitList(c[FieldCategories]),
		ServiceTypes: splitList(c[FieldServiceTypes]),
		ClosingReply: strings.TrimSpace(c[FieldClosingReply]),
	}
	for _, l := range []struct {
		field string
		list  []string
	}{{FieldCategories, d.Categories}, {FieldServiceTypes, d.ServiceTypes}} {
		for i, name := range l.list {
			if slices.Index(l.list, name) != i {
				v.Add(l.field, "lists %q twice", name)
			}
		}
	}
	d.DefaultCategory = oneOf(v, FieldDefaultCategory, c[FieldDefaultCategory], d.Categories, FieldCategories)
	d.DefaultServiceType = oneOf(v, FieldDefaultServiceType, c[FieldDefaultServiceType], d.ServiceTypes, FieldServiceTypes)
	if raw := strings.TrimSpace(c[FieldRules]); raw != "" {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d.Rules); err != nil {
			v.Add(FieldRules, `must be a JSON array of rules such as [{"senderDomain":"contoso.com","subjectKeywords":["printer"],"category":"Hardware","serviceType":"Incident"}]: %v`, err)
		}
	}
	for i, r := range d.Rules {
		path := fmt.Sprintf("%s[%d]", FieldRules, i)
		if r.SenderDomain == "" && r.Recipient == "" && len(r.SubjectKeywords) == 0 {
			v.Add(path, "needs a senderDomain, a recipient or subjectKeywords: a rule without one would sort every mail")
		}
		if r.Category == "" && r.ServiceType == "" {
			v.Add(path, "sets neither a category nor a service type")
		}
		if r.Category != "" && !slices.Contains(d.Categories, r.Category) {
			v.Add(path, "category %q is not one of the categories", r.Category)
		}
		if r.ServiceType != "" && !slices.Contains(d.ServiceTypes, r.ServiceType) {
			v.Add(path, "service type %q is not one of the service types", r.ServiceType)
		}
		d.Rules[i].SenderDomain = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(r.SenderDomain), "@"))
		d.Rules[i].Recipient = strings.ToLower(strings.TrimSpace(r.Recipient))
	}
	if raw := strings.TrimSpace(c[FieldSenderLimit]); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 10_000 {
			v.Add(FieldSenderLimit, "must be a whole number from 1 to 10000 (mails per sender per hour)")
		}
		d.SenderLimit = n
	}
	return d
}

func oneOf(v *platform.ValidationError, field, raw string, list []string, listField string) string {
	s := strings.TrimSpace(raw)
	if s != "" && !slices.Contains(list, s) {
		v.Add(field, "%q is not one of the %s", s, listField)
	}
	return s
}

// splitList reads a comma- or line-separated list, dropping blanks.
func splitList(raw string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (d Desk) senderLimit() int {
	if d.SenderLimit == 0 {
		return DefaultSenderLimit
	}
	return d.SenderLimit
}

// Classify chooses the category and service type of a mail by the rules,
// falling back to the defaults.
func (d Desk) Classify(sender string, recipients []string, subject string) (category, serviceType string) {
	_, domain, _ := strings.Cut(strings.ToLower(sender), "@")
	subject = strings.ToLower(subject)
	for _, r := range d.Rules {
		if r.SenderDomain != "" && r.SenderDomain != domain {
			continue
		}
		if r.Recipient != "" && !slices.ContainsFunc(recipients, func(a string) bool { return strings.EqualFold(a, r.Recipient) }) {
			continue
		}
		if len(r.SubjectKeywords) > 0 && !slices.ContainsFunc(r.SubjectKeywords, func(k string) bool {
			return k != "" && strings.Contains(subject, strings.ToLower(k))
		}) {
			continue
		}
		if category == "" {
			category = r.Category
		}
		if serviceType == "" {
			serviceType = r.ServiceType
		}
	}
	if category == "" {
		category = d.DefaultCategory
	}
	if serviceType == "" {
		serviceType = d.DefaultServiceType
	}
	return category, serviceType
}
