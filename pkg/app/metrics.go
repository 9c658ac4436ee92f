package app

// PlatformRequests is the number of HTTP requests the platform clients Tandem
// keeps per organisation (the ones the sync engine and the webhook installer
// use) have sent so far, retries included. Agents' clients and simulators are
// not counted. A client dropped from the cache when its entry expires (after
// five minutes) takes its count with it, so measure over shorter windows, by
// difference.
func (d *Deps) PlatformRequests() int64 {
	var n int64
	d.platforms.clients.Values(func(_ string, c orgClient) {
		n += c.client.Requests()
	})
	return n
}
