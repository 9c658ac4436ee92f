package localrun_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// randomFile is n bytes that compress to nothing and use every byte value,
// so a transport that re-encodes or truncates them is caught.
func randomFile(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// heldBy returns the SHA-256 of each file the target simulator holds on a
// ticket, by file name: the bytes the vendor stored, not what a client
// reads back.
func (w *world) heldBy(ticketID string) map[string]string {
	w.t.Helper()
	id, err := strconv.ParseInt(ticketID, 10, 64)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	switch w.target.kind {
	case platform.Halo:
		for _, a := range w.r.Sims.Halo.Attachments(int(id)) {
			out[a.Filename] = sha(a.Data)
		}
	case platform.ConnectWise:
		for _, d := range w.r.Sims.ConnectWise.Documents(id) {
			out[d.FileName] = sha(d.Data)
		}
	case platform.Autotask:
		for _, a := range w.r.Sims.Autotask.Attachments(id) {
			out[a.FullPath] = sha(a.Data)
		}
	default:
		w.t.Fatalf("no file view of %s", w.target.kind)
	}
	return out
}

// A 5 MB file — far more than a queue message holds — crosses through the
// file store byte for byte, uploaded to the partner the vendor's way
// (Halo: base64 in POST /api/Attachment; ConnectWise: multipart
// POST /system/documents), and nothing is left in the store.
func TestLargeAttachmentCrossesByteIdentical(t *testing.T) {
	for i, p := range pairs[:2] { // Autotask to Halo, Halo to ConnectWise
		t.Run(p.name, func(t *testing.T) {
			ctx := context.Background()
			w := p.world(t, worldOptions{})
			st, dt := w.escalated(p)

			data := randomFile(5<<20, uint64(i+1))
			if _, err := w.source.agent.AddAttachment(ctx, st.ID, platform.Attachment{Name: "screen-recording.bin", ContentType: "application/octet-stream", Data: data, Public: true}); err != nil {
				t.Fatal(err)
			}
			mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Recording attached", Public: true})
			w.settle()

			held := w.heldBy(dt.ID)
			if got, want := held["screen-recording.bin"], sha(data); got != want {
				t.Fatalf("%s holds %v; want screen-recording.bin with SHA-256 %s", p.dst, held, want)
			}
			if !logHas(w.log("msp", st.ID), "applied", `add attachment "screen-recording.bin"`) {
				t.Fatalf("the file's write is not in the sync log: %v", w.log("msp", ""))
			}
			if keys := w.r.Files.Keys(); len(keys) != 0 {
				t.Fatalf("file store still holds %v after the partner applied it", keys)
			}
			if n := len(w.r.Broker.DLQ(string(p.dst) + "-commands")); n != 0 {
				t.Fatalf("%d commands dead-lettered", n)
			}
		})
	}
}

// A file over the partner platform's documented limit (Autotask's API takes
// 6 to 7 MB per file) is one skipped entry naming the file and the reason;
// the note it came with still crosses and nothing is dead-lettered.
func TestFileOverPartnerLimitIsSkippedAndNamed(t *testing.T) {
	ctx := context.Background()
	p := pairs[2] // ConnectWise to Autotask
	w := p.world(t, worldOptions{})
	st, dt := w.escalated(p)
	if _, err := w.source.agent.AddAttachment(ctx, st.ID, platform.Attachment{Name: "disk-image.vhd", Data: randomFile(7<<20, 7), Public: true}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Image attached", Public: true})
	w.settle()
	// A later note must not log the file again.
	mustNote(t, w.source.agent, st.ID, platform.Note{Kind: p.srcNote, Body: "Any news?", Public: true})
	w.settle()

	assertNotes(t, w.target.agent, dt.ID, map[string]bool{"Image attached": true, "Any news?": true})
	var skipped []map[string]any
	for _, e := range w.log("msp", st.ID) {
		if e["outcome"] == "skipped" && strings.Contains(e["what"].(string), "disk-image.vhd") {
			skipped = append(skipped, e)
		}
	}
	if len(skipped) != 1 {
		t.Fatalf("%d skipped entries for the file, want 1: %v", len(skipped), w.log("msp", ""))
	}
	if reason, _ := skipped[0]["reason"].(string); !strings.Contains(reason, "disk-image.vhd") || !strings.Contains(reason, "at most 6 MB") {
		t.Fatalf("reason %q does not name the file and Autotask's limit", reason)
	}
	if held := w.heldBy(dt.ID); len(held) != 0 {
		t.Fatalf("Autotask holds %v", held)
	}
	if keys := w.r.Files.Keys(); len(keys) != 0 {
		t.Fatalf("file store still holds %v", keys)
	}
	if n := len(w.r.Broker.DLQ("autotask-commands")) + len(w.r.Broker.DLQ("connectwise-events")); n != 0 {
		t.Fatalf("%d messages dead-lettered", n)
	}
}
