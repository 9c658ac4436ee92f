package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// TimeReader is implemented by clients whose platform logs time against a
// ticket (Autotask and ConnectWise time entries, Halo actions with time
// taken).
type TimeReader interface {
	// ListTimeEntries returns the ticket's time entries, oldest first.
	ListTimeEntries(ctx context.Context, ticketID string) ([]platform.TimeEntry, error)
}

// TimeWriter is implemented by clients that can log time on a ticket; it
// reads back what it wrote, so a repeated write is found, not repeated.
type TimeWriter interface {
	TimeReader
	AddTimeEntry(ctx context.Context, ticketID string, t platform.TimeEntry) (platform.TimeEntry, error)
}

func (s *sourceState) loadTimes(ctx context.Context, r TimeReader) error {
	return loadOnce(&s.loaded.times, &s.times, "list time entries of "+s.ticketID, func() ([]platform.TimeEntry, error) {
		return r.ListTimeEntries(ctx, s.ticketID)
	})
}

// timeEntries plans each time entry not synced yet, when the receiving
// side takes time. No platform announces time entries in a webhook of
// their own (Autotask's webhooks cover tickets and notes; ConnectWise
// callbacks name the ticket; Halo time rides on actions), so every event
// or sweep of the ticket lists them: the receiving side's switch keeps that
// listing off connections that do not sync time.
func (p *propagation) timeEntries(ctx context.Context) error {
	r, ok := p.src.client.(TimeReader)
	if !ok || !p.rules.TakesTime() {
		return nil
	}
	if err := p.src.loadTimes(ctx, r); err != nil {
		return err
	}
	for _, t := range p.src.times {
		if contains(p.cur.Times, t.ID) {
			continue
		}
		p.cur.Times = addID(p.cur.Times, t.ID)
		plan, err := p.rules.Translate(integration.Change{Kind: integration.TimeLogged, Time: &t}, p.outbound)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		p.add(plan, "time:"+t.ID)
	}
	return nil
}

// timeFingerprint identifies a time entry by what Tandem writes of it: a
// platform keeps the minutes, start, note and member it is given.
func timeFingerprint(t platform.TimeEntry) string {
	h := sha256.New()
	for _, v := range []string{strconv.Itoa(t.Minutes), dateText(t.Start), t.WorkerID, fingerprint(t.Note)} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return "time:" + hex.EncodeToString(h.Sum(nil)[:12])
}

func timesOf(s *Snapshot) *[]string { return &s.Times }

// addTime logs the command's time entry on ticketID once, with the same
// bookkeeping as a note: a redelivery or a failure that may follow an
// applied write looks for the entry on the ticket before writing again.
// link is the link as the command read it.
func (e *Engine) addTime(ctx context.Context, client platform.Client, cmd Command, ticketID string, link Link) error {
	w, ok := client.(TimeWriter)
	if !ok {
		return fmt.Errorf("%w: %s cannot log time entries", ErrPermanent, cmd.ToPlatform)
	}
	want := *cmd.Do.TimeEntry
	fp := timeFingerprint(want)
	return e.addRecorded(ctx, cmd, link, fp, timesOf, func() (string, error) {
		got, err := w.AddTimeEntry(ctx, ticketID, want)
		return got.ID, err
	}, func(known []string, takeKnown bool) (string, bool, error) {
		list, err := w.ListTimeEntries(ctx, ticketID)
		if err != nil {
			return "", false, fmt.Errorf("list time entries of %s: %w", ticketID, err)
		}
		var ids []string
		for _, t := range list {
			if timeFingerprint(t) == fp {
				ids = append(ids, t.ID)
			}
		}
		id, ok := newest(ids, known, takeKnown)
		return id, ok, nil
	})
}
