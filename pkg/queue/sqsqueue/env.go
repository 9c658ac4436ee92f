package sqsqueue

import (
	"os"
	"strings"
)

const envPrefix = "TANDEM_QUEUE_"

// EnvVar is the environment variable holding the URL of the logical queue
// name, e.g. "halo-events" → TANDEM_QUEUE_HALO_EVENTS. The stack sets one per
// queue a function sends to.
func EnvVar(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// URLsFromEnv collects every TANDEM_QUEUE_<NAME> variable into a logical
// name → URL map (NAME lower-cased, '_' → '-'), the inverse of EnvVar.
func URLsFromEnv() map[string]string {
	urls := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(k, envPrefix)
		if !ok || rest == "" || v == "" {
			continue
		}
		urls[strings.ToLower(strings.ReplaceAll(rest, "_", "-"))] = v
	}
	return urls
}
