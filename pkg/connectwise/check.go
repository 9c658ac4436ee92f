package connectwise

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/platform"
)

// Test discovers the site's codebase and reads one service board: the
// cheapest call that proves the keys, the client id and the board permission
// Tandem needs all work.
func (c *Client) Test(ctx context.Context) error {
	q := url.Values{"pageSize": {"1"}, "fields": {"id"}}
	if _, err := c.call(ctx, http.MethodGet, "/service/boards", q, nil, nil); err != nil {
		return fmt.Errorf("test connection: %w", err)
	}
	return nil
}

var _ platform.Checklister = (*Client)(nil)

// The preparation checklist's items, in the order an administrator works
// through them (the seed's ConnectWise Preparation screen and its Advanced
// Settings stipulations for the service board).
const (
	ItemAPIMember = "API member"
	ItemKeys      = "Keys valid"
	ItemClientID  = "Client ID accepted"
	ItemBoard     = "Board access"
	ItemTeam      = platform.ItemDefaultTeam
	ItemStatuses  = platform.ItemStatuses
	ItemTickets   = "Create tickets and notes"
	ItemCallbacks = "Manage callbacks"
)

const notChecked = "Not checked: ConnectWise refused the keys or the client ID, so nothing else could be read. Fix those, then test again."

// errClientID marks a 401 whose text blames the clientId header, so the
// checklist can tell it from refused keys.
var errClientID = errors.New("client id refused")

// member is the part of /system/myMembers (the calling member's record) the
// checklist reads.
type member struct {
	Identifier   string  `json:"identifier"`
	LicenseClass string  `json:"licenseClass"` // A = API Member, F = Full Member
	SecurityRole *ref    `json:"securityRole"`
	Excluded     []int64 `json:"excludedServiceBoardIds"`
}

// securityRow is one row of /system/mySecurity.
type securityRow struct {
	ModuleFunctionName string `json:"moduleFunctionName"`
	AddLevel           string `json:"addLevel"`
	EditLevel          string `json:"editLevel"`
	InquireLevel       string `json:"inquireLevel"`
}

type boardTeam struct {
	DefaultFlag bool `json:"defaultFlag"`
}

// Checklist runs the preparation checklist: each prerequisite ConnectWise
// lets the API member check about itself. board, when set, is the service
// board new tickets land on; without one, the board items pass when some
// board the member can use qualifies.
func (c *Client) Checklist(ctx context.Context, board string) ([]platform.CheckItem, error) {
	var boardID int64
	if board != "" {
		n, err := parseID("board", board)
		if err != nil {
			return nil, err
		}
		boardID = n
	}
	var me member
	_, err := c.call(ctx, http.MethodGet, "/system/myMembers", nil, nil, &me)
	switch reason := platform.ReasonOf(err); {
	case err == nil, reason == platform.ReasonNotPermitted, reason == platform.ReasonNotFound:
		// A member ConnectWise will not describe is an item, not a failed test.
	case reason == platform.ReasonAuthFailed && refusedStatus(err):
		return refused(errors.Is(err, errClientID)), fmt.Errorf("checklist: %w", err)
	default:
		return nil, fmt.Errorf("checklist: %w", err)
	}
	items := []platform.CheckItem{apiMember(me, err), pass(ItemKeys), pass(ItemClientID)}
	boards, err := c.boardItems(ctx, boardID, me.Excluded)
	if err != nil {
		return nil, fmt.Errorf("checklist: %w", err)
	}
	items = append(items, boards...)
	tickets, err := c.ticketPermission(ctx, me)
	if err != nil {
		return nil, fmt.Errorf("checklist: %w", err)
	}
	callbacks, err := c.callbackPermission(ctx)
	if err != nil {
		return nil, fmt.Errorf("checklist: %w", err)
	}
	return append(items, tickets, callbacks), nil
}

// refusedStatus tells a 401 from the API apart from an unknown company,
// which the codebase lookup reports before any key is sent.
func refusedStatus(err error) bool {
	var pe *platform.Error
	return errors.As(err, &pe) && pe.Status == http.StatusUnauthorized
}

func pass(item string) platform.CheckItem {
	return platform.CheckItem{Item: item, OK: true, Required: true}
}

func failed(item, fix string) platform.CheckItem {
	return platform.CheckItem{Item: item, Required: true, Fix: fix}
}

// refused is the checklist when ConnectWise answered 401: the keys or the
// client id, and nothing else could be asked.
func refused(clientID bool) []platform.CheckItem {
	items := []platform.CheckItem{failed(ItemAPIMember, notChecked), failed(ItemKeys, msgAuth), pass(ItemClientID)}
	if clientID {
		items[1] = failed(ItemKeys, notChecked)
		items[2] = failed(ItemClientID, msgClientID)
	}
	for _, it := range []string{ItemBoard, ItemTeam, ItemStatuses, ItemTickets, ItemCallbacks} {
		items = append(items, failed(it, notChecked))
	}
	return items
}

func apiMember(me member, err error) platform.CheckItem {
	switch {
	case err != nil:
		return failed(ItemAPIMember, "ConnectWise would not show the member these keys belong to. Use the keys of an API member (System > Members > API Members).")
	case me.LicenseClass != "A":
		return failed(ItemAPIMember, fmt.Sprintf("The keys belong to %q, which is not an API member: it uses a ConnectWise licence and its access changes with the person's. In System > Members > API Members create a member for Tandem, create a key on its API Keys tab, and save those keys here.", me.Identifier))
	}
	return pass(ItemAPIMember)
}

type boardFacts struct {
	ID       int64
	Name     string
	Team     bool
	Statuses bool
}

// boardItems checks board access, the default team and statuses of the
// chosen board, or of every active board the member may use.
func (c *Client) boardItems(ctx context.Context, chosen int64, excluded []int64) ([]platform.CheckItem, error) {
	rows, err := getAll[picklistRow](ctx, c, "/service/boards", url.Values{"fields": {"id,name,inactiveFlag"}})
	if err != nil {
		return nil, err
	}
	var usable []picklistRow
	for _, r := range rows {
		if !r.InactiveFlag && !slices.Contains(excluded, r.ID) && (chosen == 0 || r.ID == chosen) {
			usable = append(usable, r)
		}
	}
	if len(usable) == 0 {
		fix := "The API member can use no active service board. In System > Setup Tables > Service Board make sure a board is active, and remove it from the API member's excluded service boards (System > Members > API Members)."
		if chosen != 0 {
			fix = fmt.Sprintf("Board %d is not an active service board the API member can use. Choose another board, or make it active and remove it from the API member's excluded service boards (System > Members > API Members).", chosen)
		}
		return []platform.CheckItem{failed(ItemBoard, fix), failed(ItemTeam, "Not checked: no board to check."), failed(ItemStatuses, "Not checked: no board to check.")}, nil
	}
	facts := make([]boardFacts, 0, len(usable))
	for _, r := range usable {
		f, err := c.boardFacts(ctx, r)
		if err != nil {
			return nil, err
		}
		facts = append(facts, f)
	}
	items := []platform.CheckItem{pass(ItemBoard)}
	items = append(items, boardItem(ItemTeam, facts, func(f boardFacts) bool { return f.Team },
		"has no default team. In System > Setup Tables > Service Board open the board, and on its Teams tab mark one team as the default: ConnectWise assigns new tickets to it."))
	items = append(items, boardItem(ItemStatuses, facts, func(f boardFacts) bool { return f.Statuses },
		"has no active statuses. In System > Setup Tables > Service Board open the board and add statuses on its Statuses tab: status mappings choose from them."))
	return items, nil
}

// boardItem passes when some checked board has the fact; otherwise its fix
// names the boards that lack it.
func boardItem(item string, facts []boardFacts, has func(boardFacts) bool, lack string) platform.CheckItem {
	var names []string
	for _, f := range facts {
		if has(f) {
			return pass(item)
		}
		names = append(names, fmt.Sprintf("%q (%d)", f.Name, f.ID))
	}
	noun := "Board " + names[0]
	if len(names) > 1 {
		noun = "None of the boards the API member can use has one: boards " + strings.Join(names, ", ")
	}
	return failed(item, noun+" "+lack)
}

func (c *Client) boardFacts(ctx context.Context, b picklistRow) (boardFacts, error) {
	id := strconv.FormatInt(b.ID, 10)
	f := boardFacts{ID: b.ID, Name: b.Name}
	teams, err := getAll[boardTeam](ctx, c, "/service/boards/"+id+"/teams", nil)
	if err != nil {
		return f, err
	}
	f.Team = slices.ContainsFunc(teams, func(t boardTeam) bool { return t.DefaultFlag })
	statuses, err := getAll[picklistRow](ctx, c, "/service/boards/"+id+"/statuses", nil)
	if err != nil {
		return f, err
	}
	f.Statuses = slices.ContainsFunc(statuses, func(s picklistRow) bool { return !s.Inactive && !s.InactiveFlag })
	return f, nil
}

// ticketPermission reads the member's own security role: creating tickets
// takes Add, and notes and status changes take Edit, on Service Desk >
// Service Tickets (the role matrices integrators publish, e.g. N-able's
// "ConnectWise Manage API Member security matrix").
func (c *Client) ticketPermission(ctx context.Context, me member) (platform.CheckItem, error) {
	rows, err := getAll[securityRow](ctx, c, "/system/mySecurity", nil)
	if platform.ReasonOf(err) == platform.ReasonNotPermitted {
		return failed(ItemTickets, "ConnectWise would not show the API member's security role, so Tandem could not check it. In System > Security Roles open the API member's role and set Add, Edit and Inquire Level of Service Desk > Service Tickets to All."), nil
	}
	if err != nil {
		return platform.CheckItem{}, err
	}
	role := "the API member's security role"
	if me.SecurityRole != nil && me.SecurityRole.Name != "" {
		role = fmt.Sprintf("security role %q", me.SecurityRole.Name)
	}
	for _, r := range rows {
		if !strings.EqualFold(r.ModuleFunctionName, "Service Tickets") {
			continue
		}
		var missing []string
		for _, l := range []struct{ name, level string }{{"Add", r.AddLevel}, {"Edit", r.EditLevel}, {"Inquire", r.InquireLevel}} {
			if l.level == "" || strings.EqualFold(l.level, "None") {
				missing = append(missing, l.name)
			}
		}
		if len(missing) == 0 {
			return pass(ItemTickets), nil
		}
		return failed(ItemTickets, fmt.Sprintf("In System > Security Roles open %s and set %s Level of Service Desk > Service Tickets to All: Tandem creates tickets (Add) and adds notes and changes status (Edit).", role, strings.Join(missing, ", "))), nil
	}
	return failed(ItemTickets, fmt.Sprintf("In System > Security Roles open %s and set Add, Edit and Inquire Level of Service Desk > Service Tickets to All.", role)), nil
}

// callbackPermission lists callbacks: which role function governs them is
// not published, so the check is that ConnectWise lets the member read
// them. Registering one here would leave a callback behind.
func (c *Client) callbackPermission(ctx context.Context) (platform.CheckItem, error) {
	q := url.Values{"pageSize": {"1"}, "fields": {"id"}}
	_, err := c.call(ctx, http.MethodGet, "/system/callbacks", q, nil, nil)
	if platform.ReasonOf(err) == platform.ReasonNotPermitted {
		return failed(ItemCallbacks, "ConnectWise refused to show callbacks to the API member, so Tandem cannot register the callback that tells it about ticket changes. Give the API member's security role access to System callbacks (the Admin role has it), then test again."), nil
	}
	if err != nil {
		return platform.CheckItem{}, err
	}
	return pass(ItemCallbacks), nil
}
