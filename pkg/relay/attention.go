package relay

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// AttentionKind is the kind of problem an attention item reports.
type AttentionKind string

const (
	// AttentionUnmapped: a partner picklist value no mapping of Org's
	// configuration covers.
	AttentionUnmapped AttentionKind = "unmappedValue"
	// AttentionRefused: Org's platform refused a status change or close of
	// a synced ticket for good.
	AttentionRefused AttentionKind = "refusedTransition"
	// AttentionWebhooks: the sweep keeps finding changes on Org's platform
	// that no webhook delivered.
	AttentionWebhooks AttentionKind = "webhooksStopped"
)

// Attention is one problem of a connection that needs a person: reported
// once however often it recurs (Count, FirstSeen, LastSeen), and removed
// once it is fixed.
type Attention struct {
	ID           string        `json:"id"`
	ConnectionID string        `json:"connectionId"`
	Kind         AttentionKind `json:"kind"`
	// Org is the organisation whose configuration or platform needs the
	// fix, and Platform its platform.
	Org      string        `json:"org"`
	Platform platform.Kind `json:"platform,omitempty"`
	// Field and Value are the unmapped partner value (AttentionUnmapped);
	// TicketType is the example ticket's partner type, which selects its
	// type mappings.
	Field      string `json:"field,omitempty"`
	Value      string `json:"value,omitempty"`
	TicketType string `json:"ticketType,omitempty"`
	// Ticket is the link key of the example or refused ticket.
	Ticket string `json:"ticket,omitempty"`
	// TargetTicket is the ticket on Org's platform that refused the
	// transition; FollowUp the follow-up ticket opened in its place
	// (integration.RefusedFollowUp); Failure the failure record holding the
	// ticket (integration.RefusedLog, with failure records).
	TargetTicket string    `json:"targetTicket,omitempty"`
	FollowUp     string    `json:"followUp,omitempty"`
	Failure      string    `json:"failure,omitempty"`
	Message      string    `json:"message"`
	Hint         string    `json:"hint,omitempty"`
	FirstSeen    time.Time `json:"firstSeen"`
	LastSeen     time.Time `json:"lastSeen"`
	Count        int       `json:"count"`
}

// Attentions keeps a connection's attention items.
type Attentions interface {
	// RaiseAttention records a. When an item with a.ID exists it adds
	// a.Count to its count, moves its LastSeen to a.LastSeen and takes a's
	// details, keeping its FirstSeen: concurrent raises of one problem
	// make one item.
	RaiseAttention(ctx context.Context, a Attention) error
	// ClearAttention removes an item; removing an absent one is no error.
	ClearAttention(ctx context.Context, connID, id string) error
	// Attention lists a connection's items, oldest first.
	Attention(ctx context.Context, connID string) ([]Attention, error)
}

// Watch is the evidence that one connection side's webhooks stopped: the
// changes the sweep found that no webhook had delivered, since that side's
// last webhook.
type Watch struct {
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	Count int       `json:"count"`
}

// Watches keeps each connection side's Watch.
type Watches interface {
	// NoteMissed adds a missed change found at at and returns the watch
	// after it: First is when the first was noted, Last the latest.
	NoteMissed(ctx context.Context, connID, org string, at time.Time) (Watch, error)
	// Watch is the side's watch; ok is false when there is none.
	Watch(ctx context.Context, connID, org string) (w Watch, ok bool, err error)
	DeleteWatch(ctx context.Context, connID, org string) error
}

// SweepDelivery prefixes the delivery id of a sweep's events, which the
// engine tells from a webhook's (and from a replay's) by it.
const SweepDelivery = "sweep:"

// AttentionID names an item by what makes it one problem.
func AttentionID(connID string, kind AttentionKind, parts ...string) string {
	return "att_" + commandID(append([]string{connID, string(kind)}, parts...)...)[:20]
}

// Defaults of the attention list.
const (
	// DefaultWebhooksStoppedAfter is how long the sweep must keep finding
	// missed changes, with no webhook from the side in between, before the
	// side's webhooks are reported: two of the default 15-minute sweep
	// intervals, so three sweeps in a row.
	DefaultWebhooksStoppedAfter = 30 * time.Minute
	// recordEvery is how often one container writes a recurring problem
	// (an unmapped value, a missed change) to the store; repeats in
	// between are counted in memory and written with the next write.
	recordEvery = time.Minute
)

// warm remembers, per key, when this container last wrote it and how many
// repeats it has counted since: a problem seen with every event costs one
// write a minute, not one per event.
type warm struct {
	mu      sync.Mutex
	written map[string]time.Time
	pending map[string]int
	// watched caches whether a side has a Watch open (and when that was
	// read), so a webhook costs a store read at most once per recordEvery.
	watched map[string]watchedAt
	// closed is when a webhook of an organisation last found the Watch of
	// each of its connections' sides closed (watchesClosed).
	closed map[string]time.Time
}

type watchedAt struct {
	open bool
	at   time.Time
}

func newWarm() *warm {
	return &warm{written: map[string]time.Time{}, pending: map[string]int{}, watched: map[string]watchedAt{}, closed: map[string]time.Time{}}
}

// watchesClosed reports whether org's webhooks have nothing to clear: a
// webhook found every Watch of org's sides closed within recordEvery (as
// long as webhookArrived itself trusts what it read), and no sweep of this
// container has opened one since. Without Watches there is nothing to
// clear.
func (e *Engine) watchesClosed(org string) bool {
	if e.Watches == nil {
		return true
	}
	e.warm.mu.Lock()
	defer e.warm.mu.Unlock()
	at, ok := e.warm.closed[org]
	return ok && e.Clock.Now().Sub(at) < recordEvery
}

// due reports whether key should be written now, and with how many
// occurrences (this one and those counted since the last write).
func (w *warm) due(key string, now time.Time) (bool, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending[key]++
	if last, ok := w.written[key]; ok && now.Sub(last) < recordEvery {
		return false, 0
	}
	n := w.pending[key]
	w.written[key], w.pending[key] = now, 0
	return true, n
}

// raise records an attention item; the list is advisory, so a store error
// is logged and the sync goes on.
func (e *Engine) raise(ctx context.Context, a Attention) {
	if e.Attention == nil {
		return
	}
	if a.Count == 0 {
		a.Count = 1
	}
	if a.LastSeen.IsZero() {
		a.LastSeen = e.Clock.Now()
	}
	if a.FirstSeen.IsZero() {
		a.FirstSeen = a.LastSeen
	}
	if err := e.Attention.RaiseAttention(ctx, a); err != nil {
		e.Log.ErrorContext(ctx, "attention item not recorded", "connection_id", a.ConnectionID, "org_id", a.Org, "kind", a.Kind, "error", err)
	}
}

func (e *Engine) clear(ctx context.Context, connID, id string) {
	if e.Attention == nil {
		return
	}
	if err := e.Attention.ClearAttention(ctx, connID, id); err != nil {
		e.Log.ErrorContext(ctx, "attention item not cleared", "connection_id", connID, "attention_id", id, "error", err)
	}
}

// noteUnmapped puts the partner values plan could not map on the attention
// list of org (the receiving side, whose configuration lacks the rows).
// Recurring values are written at most once a minute per container.
func (e *Engine) noteUnmapped(ctx context.Context, connID, org string, kind platform.Kind, linkKey, partnerType string, plan integration.Plan) {
	for _, u := range plan.Unmapped {
		id := AttentionID(connID, AttentionUnmapped, org, u.Field, u.Value)
		write, n := e.warm.due(id, e.Clock.Now())
		if !write {
			continue
		}
		e.raise(ctx, Attention{
			ID: id, ConnectionID: connID, Kind: AttentionUnmapped, Org: org, Platform: kind,
			Field: u.Field, Value: u.Value, TicketType: partnerType, Ticket: linkKey, Count: n,
			Message: fmt.Sprintf("partner %s %q has no mapping", u.Field, u.Value),
			Hint:    fmt.Sprintf("add a row for partner %s %q to %s in your configuration of this connection", u.Field, u.Value, mappingRows[u.Field]),
		})
	}
}

// mappingRows names the configuration rows that map each picklist field.
var mappingRows = map[string]string{
	integration.FieldStatus:     "statusMappings (or the partner ticket type's typeMappings)",
	integration.FieldPriority:   "priorityMappings (or the partner ticket type's typeMappings)",
	integration.FieldCategory:   "categoryMappings",
	integration.FieldTicketType: "ticketTypeMappings",
}

// Unmapped reports whether an unmapped-value item is still unmapped under
// the receiving side's current rules; the attention list uses it to clear
// items whose configuration gained the row.
func Unmapped(a Attention, rules *integration.Rules) bool {
	return a.Kind != AttentionUnmapped || !rules.Maps(a.Field, a.TicketType, a.Value)
}

// transition reports whether a command changes a ticket's status: the
// writes a platform's workflow can refuse.
func transition(c integration.Command) bool {
	return c.Op == integration.OpCloseTicket || c.Op == integration.OpUpdateTicket && c.Update != nil && c.Update.Status != nil
}

// noteMissed records that a sweep found a change on org's side that no
// webhook delivered, and reports the side's webhooks once the sweep has
// kept finding such changes for WebhooksStoppedAfter.
func (e *Engine) noteMissed(ctx context.Context, c connection.Connection, org string, kind platform.Kind) {
	if e.Watches == nil {
		return
	}
	key := "watch|" + c.ID + "|" + org
	now := e.Clock.Now()
	e.warm.mu.Lock()
	e.warm.watched[key] = watchedAt{open: true, at: now}
	delete(e.warm.closed, org)
	e.warm.mu.Unlock()
	if write, _ := e.warm.due(key, now); !write {
		return
	}
	w, err := e.Watches.NoteMissed(ctx, c.ID, org, now)
	if err != nil {
		e.Log.ErrorContext(ctx, "missed change not recorded", "connection_id", c.ID, "org_id", org, "error", err)
		return
	}
	if w.Last.Sub(w.First) < e.WebhooksStoppedAfter {
		return
	}
	e.raise(ctx, Attention{
		ID: AttentionID(c.ID, AttentionWebhooks, org), ConnectionID: c.ID, Kind: AttentionWebhooks, Org: org, Platform: kind,
		Message: fmt.Sprintf("webhooks from %s seem to have stopped: since %s the sweeps have kept finding changes no webhook delivered",
			displayName(kind), w.First.UTC().Format(time.RFC3339)),
		Hint: webhookHint(kind), FirstSeen: w.First, LastSeen: w.Last,
	})
}

// webhookArrived clears org's webhook watch on its connections, if one is
// open: whether it is, is read at most once a minute per side (and known
// at once in the container that opened it), so webhooks cost no write and
// almost no read while nothing is wrong.
func (e *Engine) webhookArrived(ctx context.Context, conns []connection.Connection, org string) {
	if e.Watches == nil {
		return
	}
	now := e.Clock.Now()
	// oldest is when the least recently read of the watches was read, if
	// every one is known closed.
	oldest, allClosed := now, true
	for _, c := range conns {
		key := "watch|" + c.ID + "|" + org
		e.warm.mu.Lock()
		seen, ok := e.warm.watched[key]
		e.warm.mu.Unlock()
		if !ok || now.Sub(seen.at) >= recordEvery {
			_, open, err := e.Watches.Watch(ctx, c.ID, org)
			if err != nil {
				e.Log.ErrorContext(ctx, "webhook watch not read", "connection_id", c.ID, "org_id", org, "error", err)
				allClosed = false
				continue
			}
			seen = watchedAt{open: open, at: now}
		}
		if seen.open {
			if err := e.Watches.DeleteWatch(ctx, c.ID, org); err != nil {
				e.Log.ErrorContext(ctx, "webhook watch not cleared", "connection_id", c.ID, "org_id", org, "error", err)
				allClosed = false
				continue
			}
			e.clear(ctx, c.ID, AttentionID(c.ID, AttentionWebhooks, org))
			seen.open = false
		}
		if seen.at.Before(oldest) {
			oldest = seen.at
		}
		e.warm.mu.Lock()
		e.warm.watched[key] = seen
		e.warm.mu.Unlock()
	}
	e.warm.mu.Lock()
	if allClosed {
		e.warm.closed[org] = oldest
	} else {
		delete(e.warm.closed, org)
	}
	e.warm.mu.Unlock()
}

// webhookHint says where each platform's webhook is looked after and what
// makes the vendor stop it, with the source of each rule.
func webhookHint(k platform.Kind) string {
	switch k {
	case platform.Autotask:
		// Autotask developer help, Webhooks_Error_Handling.htm: five failed
		// attempts within two minutes drop a delivery, and 25 consecutive
		// failed callouts disable the webhook (the owner is e-mailed).
		return "Autotask disables a webhook after 25 consecutive failed deliveries and e-mails its owner: check that Tandem's ticket webhook is still active (IsActive) and look at its Webhook Error Log, then reinstall it from Tandem's platform settings"
	case platform.ConnectWise:
		// A callback entry carries inactiveFlag (GET /system/callbacks, in
		// ConnectWise's OpenAPI document). After how many failures Manage
		// sets it is not in the published callback page, so the hint names
		// no threshold.
		return "ConnectWise Manage can mark a failing callback inactive: check that Tandem's callback under /system/callbacks is not inactive (inactiveFlag) and still points at Tandem's URL, then reinstall it from Tandem's platform settings"
	case platform.Halo:
		// Halo guide kbid=838: webhooks are managed under Configuration >
		// Integrations > Webhooks, with a Deliveries log.
		return "In Halo open Configuration > Integrations > Webhooks, check that Tandem's webhook is enabled and what its Deliveries tab shows, then reinstall it from Tandem's platform settings"
	case zendesk:
		// developer.zendesk.com webhooks introduction: a circuit breaker
		// pauses a webhook whose requests keep failing.
		return "Zendesk pauses a webhook whose requests keep failing (its circuit breaker): in Admin Center check that Tandem's webhook is active, its trigger still fires and what its activity shows, then reinstall it from Tandem's platform settings"
	case platform.Graph:
		// Graph subscriptions to messages live at most 4,230 minutes.
		return "Microsoft Graph mail subscriptions expire after at most 4,230 minutes unless renewed: reinstall the mailbox subscription from Tandem's platform settings"
	}
	return "check that the platform's webhook to Tandem is active, then reinstall it from Tandem's platform settings"
}

// zendesk is the Zendesk platform's kind (pkg/zendesk.Kind), named here so
// the engine imports no platform package.
const zendesk platform.Kind = "zendesk"

func displayName(k platform.Kind) string {
	switch k {
	case platform.Autotask:
		return "Autotask"
	case platform.ConnectWise:
		return "ConnectWise Manage"
	case platform.Halo:
		return "Halo"
	case zendesk:
		return "Zendesk"
	case platform.Graph:
		return "Microsoft 365"
	}
	return string(k)
}

// onRefused puts a transition org's platform refused for good on the
// attention list and, when the receiving side's configuration says
// integration.RefusedFollowUp, opens a follow-up ticket in the refused
// one's place and returns its id. With no follow-up ("" and nil) the
// caller goes on as with any refusal: a failure record, which the item
// names, or a log line. An error means the follow-up's create failed in a
// way worth retrying.
func (e *Engine) onRefused(ctx context.Context, client platform.Client, cmd Command, original, reason string) (string, error) {
	_, cfg, err := e.rules(ctx, cmd.ConnectionID, cmd.ToOrg)
	if err != nil {
		return "", err
	}
	a := Attention{
		ID: AttentionID(cmd.ConnectionID, AttentionRefused, cmd.ToOrg, cmd.LinkKey), ConnectionID: cmd.ConnectionID,
		Kind: AttentionRefused, Org: cmd.ToOrg, Platform: cmd.ToPlatform, Ticket: cmd.LinkKey, TargetTicket: original,
		Message: fmt.Sprintf("%s refused to %s ticket %s: %s", displayName(cmd.ToPlatform), transitionName(cmd.Do), original, reason),
	}
	if cfg.OnRefusedTransition == integration.RefusedFollowUp && cmd.Do.Op == integration.OpUpdateTicket {
		id, err := e.followUp(ctx, client, cmd, original, reason, a.ID)
		switch {
		case err == nil:
			a.FollowUp = id
			a.Hint = fmt.Sprintf("follow-up ticket %s was opened in its place and receives the ticket's later changes; ticket %s is left as it was", id, original)
			e.raise(ctx, a)
			e.logEntry(ctx, LogEntry{ConnectionID: cmd.ConnectionID, Outcome: Applied, Org: cmd.ToOrg, Ticket: cmd.LinkKey, TargetTicket: id,
				What: "open follow-up ticket", Reason: fmt.Sprintf("ticket %s refused the change (%s); follow-up %s takes its place", original, reason, id)})
			return id, nil
		case platform.IsTemporary(err):
			return "", err
		}
		a.Message += "; the follow-up ticket could not be opened: " + err.Error()
	}
	if _, err := e.editLink(ctx, cmd, func(s *Side) error { s.RefusedTransition = a.ID; return nil }); err != nil {
		return "", err
	}
	if e.Failures != nil {
		a.Failure = failureID(ctx, cmd)
		a.Hint = "the ticket's later changes wait behind failure " + a.Failure + ": change the ticket or the status mapping so the transition is allowed and retry it, or skip it"
	} else {
		a.Hint = "change the ticket or the status mapping so the transition is allowed; the next status change that succeeds clears this"
	}
	e.raise(ctx, a)
	return "", nil
}

func transitionName(c integration.Command) string {
	if c.Op == integration.OpCloseTicket {
		return "close"
	}
	return fmt.Sprintf("set status %s on", *c.Update.Status)
}

// followUp opens a ticket on the receiving side in place of original, which
// refused cmd: it carries the side's fields as Tandem last wrote them (the
// refused status included) and names the original, and the link's side
// moves to it, so the ticket's later changes, in both directions, go
// through the follow-up; the original stays indexed to the link.
func (e *Engine) followUp(ctx context.Context, client platform.Client, cmd Command, original, reason, attention string) (string, error) {
	_, cfg, err := e.rules(ctx, cmd.ConnectionID, cmd.ToOrg)
	if err != nil {
		return "", err
	}
	link, err := e.commandLink(ctx, cmd)
	if err != nil {
		return "", fmt.Errorf("link of %s: %w", cmd.LinkKey, err)
	}
	mine, _ := link.SideOf(cmd.ToOrg)
	snap := mine.Snapshot
	ref := createRef(cmd.ConnectionID, cmd.LinkKey+"\x00follow-up\x00"+cmd.ID)
	description := fmt.Sprintf("Follow-up to ticket %s, which refused a change synced from the partner: %s", original, reason)
	var t platform.Ticket
	found := false
	if redelivered(ctx) {
		// An earlier attempt may have opened it before failing.
		if t, found, err = findCreated(ctx, client, ref); err != nil {
			return "", fmt.Errorf("look up follow-up %s: %w", ref, err)
		}
	}
	if !found {
		t, err = client.CreateTicket(ctx, platform.Ticket{
			Summary:     snap.Summary,
			Description: description,
			Status:      snap.Status, Priority: snap.Priority, Category: snap.Category, Type: snap.Type,
			Queue: cfg.Board, Account: cfg.Account, Ref: ref,
		})
		if err != nil {
			return "", fmt.Errorf("open follow-up of %s: %w", original, err)
		}
	}
	_, err = e.editLink(ctx, cmd, func(s *Side) error {
		s.TicketID = t.ID
		s.Snapshot = snapshotOf(t, s.Snapshot)
		s.Snapshot.Pending = addID(s.Snapshot.Pending, descriptionMark+fingerprint(description))
		s.Seq++
		s.RefusedTransition = attention
		return nil
	})
	return t.ID, err
}

// clearRefused removes the refused-transition item of cmd's ticket and
// side: a transition there succeeded, or the refused one was skipped.
func (e *Engine) clearRefused(ctx context.Context, cmd Command) error {
	id := AttentionID(cmd.ConnectionID, AttentionRefused, cmd.ToOrg, cmd.LinkKey)
	e.clear(ctx, cmd.ConnectionID, id)
	_, err := e.editLink(ctx, cmd, func(s *Side) error {
		if s.RefusedTransition == id {
			s.RefusedTransition = ""
		}
		return nil
	})
	return err
}

// SortAttention orders items oldest first (then by id), as stores list them.
func SortAttention(items []Attention) {
	slices.SortFunc(items, func(a, b Attention) int {
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
