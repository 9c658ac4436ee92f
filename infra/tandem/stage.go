package tandem

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// stageSettings holds what differs between stages; everything else is the
// same everywhere so dev exercises the production shape.
type stageSettings struct {
	// removal applies to the stateful resources: the table, the user pool and
	// the log groups.
	removal            awscdk.RemovalPolicy
	deletionProtection bool
	// threatProtection puts the user pool on Cognito's Plus plan, which bills
	// every monthly active user with no free allowance.
	threatProtection bool
}

// stages is a closed set: a typo such as "production" must fail the synth
// rather than deploy a table that a stack deletion would destroy.
var stages = map[string]stageSettings{
	"dev": {
		removal:            awscdk.RemovalPolicy_DESTROY,
		deletionProtection: false,
		threatProtection:   false,
	},
	"prod": {
		removal:            awscdk.RemovalPolicy_RETAIN,
		deletionProtection: true,
		threatProtection:   true,
	},
}

func settingsFor(stage string) (stageSettings, error) {
	s, ok := stages[stage]
	if !ok {
		known := make([]string, 0, len(stages))
		for name := range stages {
			known = append(known, name)
		}
		sort.Strings(known)
		return stageSettings{}, fmt.Errorf("unknown stage %q: use one of %s", stage, strings.Join(known, ", "))
	}
	return s, nil
}
