// Command connections is the Lambda function behind /v1/connections*: the connection life cycle and the sync log.
package main

import (
	"github.com/tandemsync/tandem/pkg/app"
)

func main() { app.Main("connections", func(d *app.Deps) any { return d.ConnectionsHandler() }) }
