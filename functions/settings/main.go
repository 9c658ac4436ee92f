// Command settings is the Lambda function behind /v1/settings/*: platform credentials, connection tests and webhook installation.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
)

func main() { app.Main("settings", func(d *app.Deps) any { return d.SettingsHandler() }) }
