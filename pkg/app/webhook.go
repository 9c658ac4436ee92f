package app

import (
	"github.com/tandemsync/tandem/pkg/webhook"
)

// Installer builds the webhook installer behind POST /v1/settings/platform/webhooks.
func (d *Deps) Installer() *webhook.Installer {
	return &webhook.Installer{
		Store: d.Store, Secrets: d.Secrets, Accounts: d.platforms, BaseURL: d.WebhookBaseURL,
		Manual: d.providers, Clock: d.Clock, Log: d.Log,
	}
}

// Receiver builds the webhook receiver.
func (d *Deps) Receiver() *webhook.Receiver {
	return &webhook.Receiver{
		Store: d.Store, Secrets: d.Secrets, Out: d.Queue, Log: d.Log,
		Readers: d.providers, Credentials: d.platforms,
	}
}
