package integration

import (
	"maps"
	"strings"
)

// Rules is one side's Config indexed for translation. Compile it once per
// stored config version and share it: it is never modified, so concurrent
// Translate calls are safe.
type Rules struct {
	status, priority, category, ticketType map[string]string
	// fields maps a partner field reference to mine; fieldOrder keeps the
	// rows so a created ticket's fields are written in configuration order.
	fields     map[string]string
	fieldOrder []Mapping
	actions    map[string]ActionMapping
	describe   []string
	people     map[string]string // lower-cased partner e-mail or partner author id → my person
	// byType holds, per partner ticket type with TypeMappings, the status
	// and priority tables with that type's rows laid over the connection's.
	byType map[string]valueTables
	// time is the TimeEntries configuration with its tables; nil when off.
	time *timeRules

	defaultStatus, defaultTicketType, defaultAction, board, account string
	typeDefaultStatus                                               bool
}

// Compile indexes cfg. Where a partner value is mapped twice (Validate
// rejects that) the first row wins, as the validator's message implies.
func Compile(cfg Config) *Rules {
	r := &Rules{
		status:            table(cfg.StatusMappings),
		priority:          table(cfg.PriorityMappings),
		category:          table(cfg.CategoryMappings),
		ticketType:        table(cfg.TicketTypeMappings),
		fields:            table(cfg.FieldMappings),
		fieldOrder:        cfg.FieldMappings,
		describe:          cfg.DescriptionParts,
		people:            make(map[string]string, len(cfg.PersonMappings)),
		actions:           make(map[string]ActionMapping, len(cfg.ActionMappings)),
		defaultStatus:     cfg.DefaultStatus,
		defaultTicketType: cfg.DefaultTicketType,
		defaultAction:     cfg.DefaultAction,
		board:             cfg.Board,
		account:           cfg.Account,
		typeDefaultStatus: cfg.UseTicketTypeDefaultStatus,
	}
	for _, p := range cfg.PersonMappings {
		if k := strings.ToLower(strings.TrimSpace(p.Partner)); r.people[k] == "" {
			r.people[k] = p.Mine
		}
	}
	if te := cfg.TimeEntries; te.Enabled {
		r.time = &timeRules{cfg: te, members: make(map[string]string, len(te.MemberMappings)), workTypes: table(te.WorkTypeMappings)}
		for _, m := range te.MemberMappings {
			if k := strings.ToLower(strings.TrimSpace(m.Partner)); r.time.members[k] == "" {
				r.time.members[k] = m.Mine
			}
		}
	}
	for _, tm := range cfg.TypeMappings {
		if _, dup := r.byType[tm.PartnerType]; dup {
			continue
		}
		if r.byType == nil {
			r.byType = map[string]valueTables{}
		}
		r.byType[tm.PartnerType] = valueTables{
			status:   overlay(r.status, tm.StatusMappings),
			priority: overlay(r.priority, tm.PriorityMappings),
		}
	}
	for _, a := range cfg.ActionMappings {
		if _, dup := r.actions[a.Partner]; !dup {
			r.actions[a.Partner] = a
		}
	}
	return r
}

func table(rows []Mapping) map[string]string {
	m := make(map[string]string, len(rows))
	for _, row := range rows {
		if _, dup := m[row.Partner]; !dup {
			m[row.Partner] = row.Mine
		}
	}
	return m
}

type valueTables struct{ status, priority map[string]string }

// tables returns the status and priority tables for a partner ticket of
// type typ: its own rows over the connection-wide ones.
func (r *Rules) tables(typ string) valueTables {
	if t, ok := r.byType[typ]; ok {
		return t
	}
	return valueTables{status: r.status, priority: r.priority}
}

// overlay is base with rows laid over it (the first row of a partner value
// wins, as in table).
func overlay(base map[string]string, rows []Mapping) map[string]string {
	m := maps.Clone(base)
	for partner, mine := range table(rows) {
		m[partner] = mine
	}
	return m
}

type timeRules struct {
	cfg       TimeEntries
	members   map[string]string // lower-cased partner worker id or e-mail → my member
	workTypes map[string]string
}

// TakesTime reports whether the partner's time entries cross to my side.
func (r *Rules) TakesTime() bool { return r.time != nil }
