package relay

import (
	"context"
	"errors"
	"fmt"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// Files holds attachment content too large to travel inside a queue
// message. The source's sync function puts it under a key derived from the
// command, so a redelivered event rewrites the same object; the target's
// sync function gets it and deletes it once the command is recorded. The
// store's own expiry (the bucket's one-day lifecycle) removes what a crash
// leaves behind. Adapters: pkg/filestore (S3) and filestoretest.Memory.
type Files interface {
	Put(ctx context.Context, key string, data []byte) error
	// Get returns an error wrapping ErrNoFile when nothing is stored at key.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrNoFile means a Files store holds nothing at a key.
var ErrNoFile = errors.New("no file at this key")

// Defaults of the Engine's file limits.
const (
	// DefaultMaxInlineAttachment keeps a command with its base64 content
	// and envelope under SQS's 256 KiB message limit.
	DefaultMaxInlineAttachment = 150 << 10
	// DefaultMaxAttachment is the largest file a sync function copies: it
	// holds the file in memory (512 MB functions), several times over while
	// decoding and encoding it. It is above every platform's limit but
	// Microsoft 365's (150 MB), so for the other platforms their own limit,
	// checked by their client, is what refuses a file.
	DefaultMaxAttachment = 40 << 20
)

// fileKey names the stored content of one command: the command id is
// derived from what the command carries, so a redelivered event writes the
// same key.
func fileKey(c Command) string { return "attachments/" + c.ConnectionID + "/" + c.ID }

// stash moves content too large for a queue message into Files and leaves
// the key in its place. It runs before the command is sent, so the command
// never arrives before its content.
func (e *Engine) stash(ctx context.Context, c *Command) error {
	if int64(len(c.Data)) <= e.MaxInlineAttachment {
		return nil
	}
	if e.Files == nil {
		// fetch skips such files when no store is configured; reaching
		// here is a wiring mistake, not a platform's refusal.
		return fmt.Errorf("%w: a %d-byte file needs a file store", ErrPermanent, len(c.Data))
	}
	key := fileKey(*c)
	if err := e.Files.Put(ctx, key, c.Data); err != nil {
		return fmt.Errorf("store attachment content %s: %w", key, err)
	}
	c.FileKey, c.Data = key, nil
	return nil
}

// content returns the bytes of an attachment command, inline or stored.
func (e *Engine) content(ctx context.Context, c Command) ([]byte, error) {
	if c.FileKey == "" {
		return c.Data, nil
	}
	if e.Files == nil {
		return nil, fmt.Errorf("%w: the command's file %s is in a file store this function does not have (set TANDEM_FILES_BUCKET)", ErrPermanent, c.FileKey)
	}
	data, err := e.Files.Get(ctx, c.FileKey)
	if errors.Is(err, ErrNoFile) {
		return nil, fmt.Errorf("%w: the file's content is no longer stored (files are kept one day): %v", ErrPermanent, err)
	}
	return data, err
}

// dropFile deletes a command's stored content once the command is recorded
// (applied, refused or failed for good). A failure only leaves the object to
// the store's expiry.
func (e *Engine) dropFile(ctx context.Context, c Command) {
	if c.FileKey == "" || e.Files == nil {
		return
	}
	if err := e.Files.Delete(ctx, c.FileKey); err != nil {
		e.Log.WarnContext(ctx, "attachment content not deleted; the store's expiry will remove it", "connection_id", c.ConnectionID, "key", c.FileKey, "error", err)
	}
}

// refusedFile reports whether err is a platform's refusal of a file, and
// the platform's reason.
func refusedFile(err error) (string, bool) {
	if !errors.Is(err, platform.ErrFileRefused) {
		return "", false
	}
	var pe *platform.Error
	if errors.As(err, &pe) {
		return pe.Message, true
	}
	return err.Error(), true
}

// fetch downloads the content of files about to be sent. A file that cannot
// travel — larger than MaxAttachment, larger than a queue message with no
// file store, or one the source platform will not hand over — is returned
// as skipped, with its reason, rather than failing the event: the caller
// records it as accounted for and logs it once.
func (e *Engine) fetch(ctx context.Context, src *sourceState, files []platform.Attachment) ([]platform.Attachment, []integration.Skipped, error) {
	var out []platform.Attachment
	var skipped []integration.Skipped
	skip := func(f platform.Attachment, reason string) {
		skipped = append(skipped, integration.Skipped{What: fmt.Sprintf("attachment %q", f.Name), Reason: reason})
	}
	for _, f := range files {
		if reason := e.cannotCarry(f.Size); reason != "" {
			skip(f, reason)
			continue
		}
		full, err := src.client.GetAttachment(ctx, src.ticketID, f.ID)
		if reason, ok := refusedFile(err); ok {
			skip(f, reason)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("download attachment %s: %w", f.ID, err)
		}
		if reason := e.cannotCarry(int64(len(full.Data))); reason != "" {
			skip(f, reason)
			continue
		}
		if full.Name == "" {
			full.Name = f.Name
		}
		out = append(out, full)
	}
	return out, skipped, nil
}

// cannotCarry says why a file of size bytes cannot cross, or "".
func (e *Engine) cannotCarry(size int64) string {
	switch {
	case size > e.MaxAttachment:
		return fmt.Sprintf("the file is %.1f MB; Tandem copies files of up to %d MB", float64(size)/(1<<20), e.MaxAttachment>>20)
	case size > e.MaxInlineAttachment && e.Files == nil:
		return fmt.Sprintf("the file is larger than the %d KB a queue message carries and no file store is configured (TANDEM_FILES_BUCKET)", e.MaxInlineAttachment>>10)
	}
	return ""
}
