// Command config is the Lambda function behind /v1/connections/{id}/config and /v1/connections/{id}/options/{kind}.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
)

func main() { app.Main("config", func(d *app.Deps) any { return d.ConfigHandler() }) }
