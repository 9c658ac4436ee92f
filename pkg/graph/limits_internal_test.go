package graph

import "testing"

// Outlook allows 4 concurrent requests per app and mailbox: every client of
// one mailbox in the process (a new one is built when credentials are saved
// again) takes its requests' slots from one semaphore of 4; another mailbox
// has its own.
func TestClientsOfOneMailboxShareFourSlots(t *testing.T) {
	creds := Credentials{TenantID: "contoso.onmicrosoft.com", ClientID: "c1", Mailbox: "support@contoso.com"}
	a := New(creds, Options{})
	creds.ClientSecret = "rotated"
	b := New(creds, Options{})
	creds.Mailbox = "sales@contoso.com"
	other := New(creds, Options{})
	if a.slots != b.slots || cap(a.slots) != 4 {
		t.Fatalf("clients of one mailbox: slots %p and %p (capacity %d), want one semaphore of 4", a.slots, b.slots, cap(a.slots))
	}
	if other.slots == a.slots {
		t.Fatal("another mailbox shares the semaphore")
	}
}
